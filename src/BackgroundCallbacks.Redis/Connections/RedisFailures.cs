using BackgroundCallbacks.Jobs;
using StackExchange.Redis;

namespace BackgroundCallbacks.Redis.Connections;

/// <summary>Decides which Redis errors mean "Redis cannot be reached right now" and turns them into the core's 503.</summary>
internal static class RedisFailures
{
    private const string Message = "Redis cannot be reached.";

    public static bool IsUnavailable(Exception exception) => exception switch
    {
        RedisConnectionException or RedisTimeoutException => true,

        // No call passes a token to StackExchange.Redis, so a cancelled call is one the client gave up on: a timeout.
        OperationCanceledException or TimeoutException => true,

        // A server that is starting, read-only after a failover, or busy with a script answers, but cannot serve us.
        RedisServerException e => e.Message.StartsWith("LOADING", StringComparison.Ordinal)
            || e.Message.StartsWith("READONLY", StringComparison.Ordinal)
            || e.Message.StartsWith("MASTERDOWN", StringComparison.Ordinal)
            || e.Message.StartsWith("BUSY", StringComparison.Ordinal),
        _ => false,
    };

    public static BackendUnavailableException Unavailable(Exception inner) => new(Message, inner);

    /// <summary>Runs a Redis call; a synchronous failure (as fail-fast gives while disconnected) is mapped as well.</summary>
    public static async ValueTask<T> GuardAsync<T>(Func<Task<T>> operation)
    {
        try
        {
            return await operation().ConfigureAwait(false);
        }
        catch (Exception e) when (IsUnavailable(e))
        {
            throw Unavailable(e);
        }
    }

    /// <summary>
    /// <see cref="GuardAsync{T}(Func{Task{T}})"/> with the call's state passed in, so a static lambda serves every call
    /// and no closure is made per call.
    /// </summary>
    public static async ValueTask<T> GuardAsync<TState, T>(TState state, Func<TState, Task<T>> operation)
    {
        try
        {
            return await operation(state).ConfigureAwait(false);
        }
        catch (Exception e) when (IsUnavailable(e))
        {
            throw Unavailable(e);
        }
    }

    /// <inheritdoc cref="GuardAsync{TState, T}(TState, Func{TState, Task{T}})"/>
    public static async ValueTask GuardAsync<TState>(TState state, Func<TState, Task> operation)
    {
        try
        {
            await operation(state).ConfigureAwait(false);
        }
        catch (Exception e) when (IsUnavailable(e))
        {
            throw Unavailable(e);
        }
    }

    /// <summary>Runs a blocking Redis call, for the synchronous paths of a stream.</summary>
    public static T Guard<T>(Func<T> operation)
    {
        try
        {
            return operation();
        }
        catch (Exception e) when (IsUnavailable(e))
        {
            throw Unavailable(e);
        }
    }

    public static async ValueTask GuardAsync(Func<Task> operation)
    {
        try
        {
            await operation().ConfigureAwait(false);
        }
        catch (Exception e) when (IsUnavailable(e))
        {
            throw Unavailable(e);
        }
    }
}
