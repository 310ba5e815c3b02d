using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace BackgroundCallbacks.Redis.Hosting;

/// <summary>Checks the Redis options when the host starts, so a typo fails the deployment, not the first request.</summary>
internal sealed class RedisCallbacksOptionsValidator : IValidateOptions<RedisCallbacksOptions>
{
    internal static readonly TimeSpan MinDeadWorkerTimeout = TimeSpan.FromSeconds(5);

    public ValidateOptionsResult Validate(string? name, RedisCallbacksOptions options)
    {
        var failures = new List<string>();
        var given = new List<string>(3);
        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            given.Add(nameof(options.ConnectionString));
            ValidateConnectionString(nameof(options.ConnectionString), options.ConnectionString, failures);
        }

        if (options.ConfigurationOptions is { } configuration)
        {
            given.Add(nameof(options.ConfigurationOptions));
            if (configuration.EndPoints.Count == 0)
            {
                failures.Add($"{nameof(options.ConfigurationOptions)} names no Redis server: add at least one endpoint to its EndPoints.");
            }
        }

        if (options.ConnectionMultiplexerFactory is not null)
        {
            given.Add(nameof(options.ConnectionMultiplexerFactory));
        }

        if (given.Count == 0)
        {
            failures.Add(
                "The Redis connection string is missing: pass one to UseRedis(...), or set ConnectionString in the configuration section given to UseRedis; " +
                "or give UseRedis the application's IConnectionMultiplexer (UseRedis(sp => sp.GetRequiredService<IConnectionMultiplexer>())) or set ConfigurationOptions.");
        }
        else if (given.Count > 1)
        {
            failures.Add($"Give the Redis connection one way only: {string.Join(" and ", given)} are set, but only one may be.");
        }

        if (options.ResultsConnectionString is not null)
        {
            ValidateConnectionString(nameof(options.ResultsConnectionString), options.ResultsConnectionString, failures);
        }

        if (string.IsNullOrEmpty(options.KeyPrefix))
        {
            failures.Add("KeyPrefix must not be empty: it keeps this backend's keys apart from everything else in Redis.");
        }

        if (string.IsNullOrEmpty(options.HangfirePrefix))
        {
            failures.Add("HangfirePrefix must not be empty: it keeps our Hangfire storage apart from any other in Redis.");
        }

        if (!string.IsNullOrEmpty(options.KeyPrefix) && !string.IsNullOrEmpty(options.HangfirePrefix)
            && (options.KeyPrefix.StartsWith(options.HangfirePrefix, StringComparison.Ordinal)
                || options.HangfirePrefix.StartsWith(options.KeyPrefix, StringComparison.Ordinal)))
        {
            failures.Add($"KeyPrefix ('{options.KeyPrefix}') and HangfirePrefix ('{options.HangfirePrefix}') must not be equal, nor one the start of the other.");
        }

        if (options.OperationTimeout <= TimeSpan.Zero || options.OperationTimeout > TimeSpan.FromMinutes(1))
        {
            failures.Add($"OperationTimeout must be positive and at most a minute (it is {options.OperationTimeout}).");
        }

        if (options.DeadWorkerTimeout < MinDeadWorkerTimeout)
        {
            failures.Add($"DeadWorkerTimeout must be at least {MinDeadWorkerTimeout.TotalSeconds} seconds (it is {options.DeadWorkerTimeout}): below that, a busy worker is taken for dead.");
        }

        if (options.DeadWorkerCheckInterval <= TimeSpan.Zero || options.DeadWorkerCheckInterval > options.DeadWorkerTimeout)
        {
            failures.Add($"DeadWorkerCheckInterval must be positive and at most DeadWorkerTimeout (it is {options.DeadWorkerCheckInterval}; DeadWorkerTimeout is {options.DeadWorkerTimeout}).");
        }

        if (options.FetchTimeout <= TimeSpan.Zero)
        {
            failures.Add($"FetchTimeout must be positive (it is {options.FetchTimeout}).");
        }

        if (options.InvisibilityTimeout <= options.DeadWorkerTimeout)
        {
            failures.Add($"InvisibilityTimeout must be longer than DeadWorkerTimeout and than the longest job (it is {options.InvisibilityTimeout}; DeadWorkerTimeout is {options.DeadWorkerTimeout}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateConnectionString(string what, string value, List<string> failures)
    {
        try
        {
            if (ConfigurationOptions.Parse(value).EndPoints.Count == 0)
            {
                failures.Add($"{what} names no Redis server: give at least one host:port.");
            }
        }
        catch (ArgumentException e)
        {
            // The parser names the offending keyword, never a password.
            failures.Add($"{what} is not a valid Redis configuration string: {e.Message}");
        }
    }
}
