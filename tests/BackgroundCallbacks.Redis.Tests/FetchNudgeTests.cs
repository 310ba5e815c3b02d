using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.ExceptionServices;
using BackgroundCallbacks.Redis.Queueing;
using BackgroundCallbacks.Redis.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace BackgroundCallbacks.Redis.Tests;

/// <summary>
/// Hangfire.Redis's idle worker can miss an enqueue's wake-up message (it resets the wake-up event after its fetch
/// found the queue empty). The process that enqueued looks at the queues a short delay later and wakes the workers
/// again if the job still waits, in one script per delay however many jobs it enqueued.
/// </summary>
public sealed class FetchNudgeTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    private static readonly TimeSpan Long = TimeSpan.FromMinutes(10);

    [Fact]
    public async Task A_job_whose_wake_up_message_was_lost_runs_long_before_the_dead_worker_pass()
    {
        // A Redis of its own: nothing else publishes on the fetch channel or wakes this worker.
        await using var redis = await RedisServer.StartAsync();
        await using var real = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        const string prefix = "lostwake-hangfire:";
        var fetchChannel = RedisChannel.Literal(prefix + "JobFetchChannel");
        var seen = new ConcurrentQueue<string>();

        // Every enqueue's own wake-up message (Hangfire publishes the job's id) is lost on its way to this process's
        // workers; only the "wake" of our own nudge and pass gets through. The pass runs once at start, then not for
        // ten minutes, and an idle worker looks at the queue by itself only after ten minutes.
        var proxy = Forwarding.Multiplexer(real, fetchChannel, seen);
        await using var app = await InProcessApp.StartAsync(
            b => b.UseRedis((RedisCallbacksOptions o) =>
                {
                    o.ConnectionMultiplexerFactory = _ => Task.FromResult(proxy);
                    o.HangfirePrefix = prefix;
                    o.DeadWorkerTimeout = Long;
                    o.DeadWorkerCheckInterval = Long;
                    o.FetchTimeout = Long;
                })
                .MapBackgroundCallback("echo", (int? n) => $"echo {n}").Output("echo-out", "children").Input("echo-in", "value"),
            callbackOptions: o => o.WorkerCount = 1);

        // The worker has fetched once and found nothing, and the pass has looked at the queues once: from now on only
        // a wake-up message gets the worker to look again.
        await WaitUntilAsync(() => seen.Contains("RPOPLPUSH") && seen.Contains("SMEMBERS queues"), "The worker never fetched, or the pass never ran.");
        using var browser = new ProtocolClient();

        var handle = await browser.StartAsync(app.Address, "echo", "echo-in", "value", 7);
        var done = await browser.WaitForEndAsync(app.Address, handle, TimeSpan.FromSeconds(30));

        Assert.Equal("succeeded", done["status"]!.GetValue<string>());
        Assert.Contains("dropped", seen);
    }

    [Fact]
    public async Task Many_enqueues_within_the_delay_cost_one_script_that_sends_nothing_when_the_queue_is_empty()
    {
        var time = new FakeTimeProvider();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.Redis.ConnectionString);
        using var nudge = new FetchNudge(redis, "coalesce:", time);

        for (var i = 0; i < 100; i++)
        {
            nudge.Enqueued("callbacks");
        }

        time.Advance(FetchNudge.Delay - TimeSpan.FromTicks(1));
        Assert.Equal(0, nudge.Looks);
        time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(1, nudge.Looks);
        await nudge.LastLook;
        Assert.Equal(0, nudge.Wakes);

        // Nothing was enqueued since: no more looks.
        time.Advance(FetchNudge.Delay * 10);
        Assert.Equal(1, nudge.Looks);
    }

    [Fact]
    public async Task A_job_still_waiting_after_the_delay_is_announced_on_the_fetch_channel()
    {
        var time = new FakeTimeProvider();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.Redis.ConnectionString);
        var messages = new ConcurrentQueue<string>();
        await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal("waiting:JobFetchChannel"), (_, value) => messages.Enqueue((string)value!));
        using var nudge = new FetchNudge(redis, "waiting:", time);
        await redis.GetDatabase().ListLeftPushAsync("waiting:queue:callbacks", "job-1");

        nudge.Enqueued("other");
        nudge.Enqueued("callbacks");
        time.Advance(FetchNudge.Delay);
        await nudge.LastLook;

        Assert.Equal(1, nudge.Looks);
        Assert.Equal(1, nudge.Wakes);
        await WaitUntilAsync(() => messages.Contains("wake"), "The wake-up message never arrived.");
        Assert.Equal(new[] { "wake" }, messages.ToArray());
    }

    [Fact]
    public async Task An_enqueue_late_in_the_delay_is_looked_at_again_a_delay_after_it()
    {
        var time = new FakeTimeProvider();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.Redis.ConnectionString);
        using var nudge = new FetchNudge(redis, "late:", time);
        var half = FetchNudge.Delay / 2;

        nudge.Enqueued("callbacks");
        time.Advance(half);
        nudge.Enqueued("callbacks");
        time.Advance(half);
        await nudge.LastLook;
        Assert.Equal(1, nudge.Looks);

        // The second enqueue was only half a delay old at the first look.
        time.Advance(half - TimeSpan.FromTicks(1));
        Assert.Equal(1, nudge.Looks);
        time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(2, nudge.Looks);
        await nudge.LastLook;
        time.Advance(FetchNudge.Delay * 10);
        Assert.Equal(2, nudge.Looks);
    }

    [Fact]
    public async Task On_a_cluster_the_look_runs_in_the_slot_of_the_Hangfire_prefix_and_its_wake_up_arrives()
    {
        var time = new FakeTimeProvider();
        await using var cluster = await RedisCluster.StartAsync();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(cluster.ConnectionString);
        const string prefix = "{bgcb-hangfire}:";
        var messages = new ConcurrentQueue<string>();
        await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(prefix + "JobFetchChannel"), (_, value) => messages.Enqueue((string)value!));
        using var nudge = new FetchNudge(redis, prefix, time);
        await redis.GetDatabase().ListLeftPushAsync(prefix + "queue:reports", "job-1");

        nudge.Enqueued("callbacks");
        nudge.Enqueued("reports");
        time.Advance(FetchNudge.Delay);
        await nudge.LastLook;

        // A failed script would count no wake: the nudge swallows every failure.
        Assert.Equal(1, nudge.Wakes);
        await WaitUntilAsync(() => messages.Contains("wake"), "The wake-up message never arrived.");
    }

    [Fact]
    public async Task A_look_while_Redis_is_away_fails_quietly_and_the_next_enqueue_looks_again()
    {
        var time = new FakeTimeProvider();
        var gone = await RedisServer.StartAsync();
        var options = ConfigurationOptions.Parse(gone.ConnectionString);
        options.AbortOnConnectFail = false;
        options.AsyncTimeout = 2000;
        await using var redis = await ConnectionMultiplexer.ConnectAsync(options);
        using var nudge = new FetchNudge(redis, "away:", time);
        await gone.DisposeAsync();

        nudge.Enqueued("callbacks");
        time.Advance(FetchNudge.Delay);
        await nudge.LastLook;
        nudge.Enqueued("callbacks");
        time.Advance(FetchNudge.Delay);
        await nudge.LastLook;

        Assert.Equal(2, nudge.Looks);
        Assert.Equal(0, nudge.Wakes);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string message)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, message);
            await Task.Delay(20);
        }
    }

    /// <summary>
    /// Hangfire's connection as the application would hand it over, but with the fetch channel's messages filtered and
    /// the commands that matter here noted: every call goes to the real multiplexer.
    /// </summary>
    public class Forwarding : DispatchProxy
    {
        private object _inner = null!;
        private Func<MethodInfo, object?[]?, object?, object?> _after = (_, _, result) => result;

        internal static IConnectionMultiplexer Multiplexer(IConnectionMultiplexer inner, RedisChannel fetchChannel, ConcurrentQueue<string> seen) =>
            Create<IConnectionMultiplexer>(inner, (method, _, result) => method.Name switch
            {
                nameof(IConnectionMultiplexer.GetSubscriber) => Subscriber((ISubscriber)result!, fetchChannel, seen),
                nameof(IConnectionMultiplexer.GetDatabase) => Database((IDatabase)result!, seen),
                _ => result,
            });

        private static ISubscriber Subscriber(ISubscriber inner, RedisChannel fetchChannel, ConcurrentQueue<string> seen)
        {
            var proxy = Create<ISubscriber>(inner, (_, _, result) => result);
            ((Forwarding)(object)proxy)._before = args =>
            {
                if (args is [RedisChannel channel, Action<RedisChannel, RedisValue> handler, ..] && channel == fetchChannel)
                {
                    args[1] = new Action<RedisChannel, RedisValue>((c, value) =>
                    {
                        if (value == "wake")
                        {
                            handler(c, value);
                        }
                        else
                        {
                            seen.Enqueue("dropped");
                        }
                    });
                }
            };
            return proxy;
        }

        private static IDatabase Database(IDatabase inner, ConcurrentQueue<string> seen) =>
            Create<IDatabase>(inner, (method, args, result) =>
            {
                if (method.Name == nameof(IDatabase.ListRightPopLeftPush))
                {
                    seen.Enqueue("RPOPLPUSH");
                }
                else if (method.Name == nameof(IDatabase.SetMembers) && args is [RedisKey key, ..] && ((string)key!).EndsWith(":queues", StringComparison.Ordinal))
                {
                    seen.Enqueue("SMEMBERS queues");
                }

                return result;
            });

        private Action<object?[]?> _before = _ => { };

        private static T Create<T>(object inner, Func<MethodInfo, object?[]?, object?, object?> after)
            where T : class
        {
            var proxy = Create<T, Forwarding>();
            var forwarding = (Forwarding)(object)proxy;
            forwarding._inner = inner;
            forwarding._after = after;
            return proxy;
        }

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            _before(args);
            try
            {
                return _after(targetMethod!, args, targetMethod!.Invoke(_inner, args));
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                ExceptionDispatchInfo.Capture(e.InnerException).Throw();
                throw;
            }
        }
    }
}
