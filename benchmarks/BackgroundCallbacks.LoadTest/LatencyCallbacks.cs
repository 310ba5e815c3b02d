using System.Globalization;
using StackExchange.Redis;

namespace BackgroundCallbacks.LoadTest;

/// <summary>
/// The library side of the latency benchmark: two callbacks, registered alike in its web and worker processes, through
/// the library's public API only.
/// </summary>
internal static class LatencyCallbacks
{
    public const string Reporter = "reporter";
    public const string Waiter = "waiter";
    public const string PeriodSetting = "Latency:PeriodMs";

    public static void Register(IServiceCollection services, IConfiguration configuration)
    {
        var callbacks = services
            .AddBackgroundCallbacks(configuration.GetSection("BackgroundCallbacks"))
            .UseRedis(configuration.GetSection("BackgroundCallbacks:Redis"));
        services.Configure<BackgroundCallbacksOptions>(o => o.ScanEntryAssembly = false);
        var period = TimeSpan.FromMilliseconds(configuration.GetValue(PeriodSetting, 100));

        // The handlers tell the driver what happened on a connection of their own, not the library's.
        var events = new Lazy<ISubscriber>(() =>
            ConnectionMultiplexer.Connect(configuration["BackgroundCallbacks:Redis:ConnectionString"]!).GetSubscriber());

        // Row g: reports "i|timestamp" count times, a period apart; the timestamp is taken as the report is made, so a
        // client's delay is from the report to its answer. The period is far longer than a poll takes to re-arm.
        callbacks.MapBackgroundCallback(Reporter, async (int count, IProgress<string> progress, CancellationToken cancellationToken) =>
            {
                for (var i = 1; i <= count; i++)
                {
                    await Task.Delay(period, cancellationToken);
                    progress.Report(string.Create(CultureInfo.InvariantCulture, $"{i}|{LatencyChannels.Now()}"));
                }

                // The job's end would otherwise follow its last report at once, and that sample would time both.
                await Task.Delay(period, cancellationToken);
                return count;
            })
            .Output("reporter-out", "children")
            .Input("reporter-in", "value")
            .Progress("reporter-bar", "value");

        // Row h: runs until cancelled. It says when its token is registered (so the driver cancels a running handler,
        // not a queued job), and the moment its token fires, stamped before anything else is done.
        callbacks.MapBackgroundCallback(Waiter, async (int n, CancellationToken cancellationToken) =>
            {
                var subscriber = events.Value;
                using var registration = cancellationToken.Register(() =>
                {
                    var fired = LatencyChannels.Now();
                    subscriber.Publish(RedisChannel.Literal(LatencyChannels.Events), string.Create(CultureInfo.InvariantCulture, $"fired|{n}|{fired}"), CommandFlags.FireAndForget);
                });
                await subscriber.PublishAsync(RedisChannel.Literal(LatencyChannels.Events), string.Create(CultureInfo.InvariantCulture, $"started|{n}"));
                await Task.Delay(Timeout.Infinite, cancellationToken);
                return n;
            })
            .Output("waiter-out", "children")
            .Input("waiter-in", "value");
    }
}
