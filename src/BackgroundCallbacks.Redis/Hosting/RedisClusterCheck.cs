using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Redis.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BackgroundCallbacks.Redis.Hosting;

/// <summary>
/// Says at startup, in the log, when Redis is a cluster and a setting cannot work there. Options are validated without
/// Redis (the host never waits for it), so this check connects in the background once the host has started; web
/// processes would otherwise learn of the problem only from their first enqueue. The same problems also fail every
/// enqueue and the workers' start with the same words.
/// </summary>
internal sealed class RedisClusterCheck(ICallbackBackendProvider provider, ILoggerFactory loggers) : IHostedService, IDisposable
{
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    private readonly ILogger _logger = loggers.CreateLogger("BackgroundCallbacks.Redis");
    private readonly CancellationTokenSource _stopping = new();

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // The test host and applications may wrap the provider; only the Redis backend's own is checked.
        if (provider is RedisBackendProvider redis)
        {
            _ = Task.Run(() => CheckAsync(redis, _stopping.Token), CancellationToken.None);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        return Task.CompletedTask;
    }

    public void Dispose() => _stopping.Dispose();

    private async Task CheckAsync(RedisBackendProvider redis, CancellationToken stopping)
    {
        // Redis may be down at startup: look again, less and less often, until it answers or the host stops.
        var delay = FirstRetryDelay;
        while (true)
        {
            try
            {
                var (cluster, prefix, problems) = await redis.CheckClusterAsync().WaitAsync(stopping).ConfigureAwait(false);
                if (problems.Count > 0)
                {
                    Log.ClusterSettingsInvalid(_logger, string.Join(' ', problems));
                }
                else if (cluster)
                {
                    Log.ClusterDetected(_logger, prefix);
                }

                return;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (BackendUnavailableException e)
            {
                Log.ClusterCheckSkipped(_logger, e);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // A connection factory that fails, or a backend disposed: the first use reports it, with its reason.
                Log.ClusterCheckSkipped(_logger, e);
                return;
            }

            try
            {
                await Task.Delay(delay, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
        }
    }
}
