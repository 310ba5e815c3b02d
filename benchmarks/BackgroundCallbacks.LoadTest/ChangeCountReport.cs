using BackgroundCallbacks.Jobs;

namespace BackgroundCallbacks.LoadTest;

/// <summary>
/// For the fan-out benchmark: prints, every second, how many job change messages this process has handled so far
/// ("CHANGES &lt;unix ms&gt; &lt;count&gt;"), for the driver to take the difference over its window.
/// </summary>
internal sealed class ChangeCountReport(ICallbackBackendProvider backends) : BackgroundService
{
    public const string Setting = "report-changes";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var changes = backends.GetBackend("default").Jobs.Changes;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                LineLogger.WriteLine($"CHANGES {DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()} {changes.MessagesReceived}");
            }
        }
        catch (OperationCanceledException)
        {
            // The process is stopping.
        }
    }
}
