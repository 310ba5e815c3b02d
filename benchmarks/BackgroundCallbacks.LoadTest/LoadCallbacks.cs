namespace BackgroundCallbacks.LoadTest;

/// <summary>
/// The callbacks of the load test, registered alike in the web and the worker processes (both build the same registry).
/// </summary>
internal static class LoadCallbacks
{
    public const string Hit = "hit";
    public const string Miss = "miss";

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
    }
}
