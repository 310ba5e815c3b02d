using System.Globalization;
using StackExchange.Redis;

namespace BackgroundCallbacks.LoadTest;

/// <summary>
/// The baselines' side in the worker process, beside the library's workers, on a Redis connection of its own: it
/// publishes the bare progress messages the driver asks for (row g), and stamps each bare cancel message the moment it
/// arrives (row h), as the library's handlers stamp their reports and their token firing.
/// </summary>
internal sealed class BareWorkerHelper(IConfiguration configuration) : BackgroundService
{
    private ConnectionMultiplexer? _redis;

    public override void Dispose()
    {
        _redis?.Dispose();
        base.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _redis = await ConnectionMultiplexer.ConnectAsync(configuration["BackgroundCallbacks:Redis:ConnectionString"]!);
        var subscriber = _redis.GetSubscriber();
        var events = RedisChannel.Literal(LatencyChannels.Events);
        await subscriber.SubscribeAsync(RedisChannel.Literal(LatencyChannels.BareCancel), (_, message) =>
        {
            var arrived = LatencyChannels.Now();
            subscriber.Publish(events, string.Create(CultureInfo.InvariantCulture, $"bare-fired|{message}|{arrived}"), CommandFlags.FireAndForget);
        });

        var control = await subscriber.SubscribeAsync(RedisChannel.Literal(LatencyChannels.Control));
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var message = await control.ReadAsync(stoppingToken);
                var parts = ((string)message.Message!).Split('|');
                if (parts[0] == "progress")
                {
                    await PublishProgressAsync(subscriber, parts[1], int.Parse(parts[2], CultureInfo.InvariantCulture), TimeSpan.FromMilliseconds(int.Parse(parts[3], CultureInfo.InvariantCulture)), stoppingToken);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The process is stopping.
        }
    }

    private static async Task PublishProgressAsync(ISubscriber subscriber, string batch, int count, TimeSpan period, CancellationToken stoppingToken)
    {
        var channel = RedisChannel.Literal(LatencyChannels.BareProgress);
        for (var i = 1; i <= count; i++)
        {
            await Task.Delay(period, stoppingToken);
            await subscriber.PublishAsync(channel, string.Create(CultureInfo.InvariantCulture, $"{batch}|{i}|{LatencyChannels.Now()}"));
        }
    }
}
