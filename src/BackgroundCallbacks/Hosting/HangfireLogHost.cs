using BackgroundCallbacks.Queueing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BackgroundCallbacks.Hosting;

/// <summary>
/// Points Hangfire's process-wide log provider at this host's logger factory while the host runs, unless the app set a
/// provider of its own (see <see cref="HangfireLogs"/>). It starts before the workers and stops after them, so their
/// start and stop lines are kept.
/// </summary>
internal sealed class HangfireLogHost(ILoggerFactory loggers) : IHostedService, IDisposable
{
    private IDisposable? _attached;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _attached ??= HangfireLogs.Attach(loggers);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        Interlocked.Exchange(ref _attached, null)?.Dispose();
    }
}
