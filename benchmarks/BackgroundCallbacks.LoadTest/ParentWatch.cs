namespace BackgroundCallbacks.LoadTest;

/// <summary>
/// Stops this web or worker process when the driver that started it is gone, so a driver killed outright (which can
/// stop nothing) leaves no process behind.
/// </summary>
internal sealed class ParentWatch(IConfiguration configuration, IHostApplicationLifetime lifetime) : BackgroundService
{
    public const string Setting = "parent-pid";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var parent = configuration.GetValue<int>(Setting);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            if (!IsAlive(parent))
            {
                LineLogger.WriteLine($"LOG|Warning|{nameof(ParentWatch)}|-|The driver (process {parent}) is gone; stopping.");
                lifetime.StopApplication();
                return;
            }
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }
}
