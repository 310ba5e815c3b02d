namespace BackgroundCallbacks.LoadTest;

/// <summary>
/// The callbacks of the load test, registered alike in the web and the worker processes (both build the same registry).
/// </summary>
internal static class LoadCallbacks
{
    public const string Hit = "hit";
    public const string Miss = "miss";
    public const string Ticker = "ticker";
    public const string Hold = "hold";
    public const string Tiny = "tiny";

    public static void Register(IServiceCollection services, IConfiguration configuration)
    {
        var callbacks = services
            .AddBackgroundCallbacks(configuration.GetSection("BackgroundCallbacks"))
            .UseRedis(configuration.GetSection("BackgroundCallbacks:Redis"));
        services.Configure<BackgroundCallbacksOptions>(o => o.ScanEntryAssembly = false);

        // Cached and shared by every caller: once the driver has warmed a value, each invocation of it is a cache hit.
        callbacks.MapBackgroundCallback(Hit, (int n) => $"hit {n}")
            .Output("hit-out", "children")
            .Input("hit-in", "value")
            .Configure(a =>
            {
                a.CacheBy = [];
                a.SharedResults = true;
            });

        // Uncached, so every invocation is a job; it honours its token, so cancels and supersedes end it early.
        callbacks.MapBackgroundCallback(Miss, async (int n, CancellationToken cancellationToken) =>
            {
                await Task.Delay(Random.Shared.Next(0, 501), cancellationToken);
                return n;
            })
            .Output("miss-out", "children")
            .Input("miss-in", "value");

        // For --mix=tiny: uncached and instant, so a run measures what the library spends per job, not the handler.
        callbacks.MapBackgroundCallback(Tiny, (int n) => n)
            .Output("tiny-out", "children")
            .Input("tiny-in", "value");

        // For the stream benchmark: reports "step|ticks" ten times, 100 ms apart; the ticks are when the report was made.
        callbacks.MapBackgroundCallback(Ticker, async (int n, IProgress<string> progress, CancellationToken cancellationToken) =>
            {
                for (var i = 1; i <= 10; i++)
                {
                    await Task.Delay(100, cancellationToken);
                    progress.Report($"{i}|{DateTime.UtcNow.Ticks}");
                }

                return n;
            })
            .Output("ticker-out", "children")
            .Input("ticker-in", "value")
            .Progress("ticker-bar", "value");

        // For the stream benchmark: a job that stays unended (queued or running) until it is cancelled.
        callbacks.MapBackgroundCallback(Hold, async (int n, CancellationToken cancellationToken) =>
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
                return n;
            })
            .Output("hold-out", "children")
            .Input("hold-in", "value");
    }
}
