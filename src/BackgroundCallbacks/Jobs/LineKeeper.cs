using BackgroundCallbacks.Diagnostics;
using BackgroundCallbacks.Registry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BackgroundCallbacks.Jobs;

/// <summary>
/// Makes sure a running place is never lost. A running job renews its place every <see cref="RenewInterval"/>; a place
/// not renewed for <see cref="StaleAfter"/> belongs to a job whose queue entry was lost (a process died between giving it
/// the place and queueing it) or whose worker died: the keeper queues that job again. A second entry of a job that runs
/// is refused, and one of a job that has ended gives the place back, so this is safe to do from every process.
/// </summary>
internal sealed class LineKeeper(CallbackRegistry registry, CallbackManagers managers, JobLines lines, TimeProvider time, ILogger<LineKeeper> logger)
    : IHostedService, IDisposable
{
    public static readonly TimeSpan RenewInterval = TimeSpan.FromMinutes(1);

    public static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(5);

    private ITimer? _timer;
    private int _keeping;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (registry.All.Any(c => c.Line.IsLimited))
        {
            _timer = time.CreateTimer(static state => _ = ((LineKeeper)state!).KeepAsync(), this, RenewInterval, RenewInterval);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        return Task.CompletedTask;
    }

    public void Dispose() => _timer?.Dispose();

    internal async Task KeepAsync()
    {
        if (Interlocked.Exchange(ref _keeping, 1) == 1)
        {
            return;
        }

        try
        {
            var lineSet = registry.All.Where(c => c.Line.IsLimited)
                .Select(c => (Backend: managers.Get(c.Manager).Backend, c.Line))
                .Distinct()
                .ToList();
            var cutoff = time.GetUtcNow() - StaleAfter;
            foreach (var (backend, line) in lineSet)
            {
                foreach (var (reference, since) in await backend.Limits.HoldersAsync(line.Name!, CancellationToken.None).ConfigureAwait(false))
                {
                    if (since < cutoff && JobHandles.TryParseReference(reference, out var jobId, out _))
                    {
                        Log.StalePlace(logger, jobId, line.Name!, since);
                        await backend.Limits.RenewAsync(line.Name!, reference, CancellationToken.None).ConfigureAwait(false);
                        await lines.QueueAsync([reference], CancellationToken.None).ConfigureAwait(false);
                    }
                }
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Log.LineKeepingFailed(logger, e);
        }
        finally
        {
            Volatile.Write(ref _keeping, 0);
        }
    }
}
