using System.Net;
using System.Net.Sockets;
using BackgroundCallbacks.Redis.Connections;
using BackgroundCallbacks.Redis.Tests.Infrastructure;
using BackgroundCallbacks.Testing;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace BackgroundCallbacks.Redis.Tests;

/// <summary>
/// The backend runs on the application's own multiplexer or ConfigurationOptions as well as on a connection string,
/// and connects on first use: never while services are built or the app starts.
/// </summary>
public sealed class RedisConnectionTests
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task An_app_given_its_IConnectionMultiplexer_from_DI_runs_jobs_on_it_and_leaves_it_open_when_it_stops()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var owned = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",name=app-owned");
        var app = await InProcessApp.StartAsync(
            b => Echo(b.UseRedis(sp => sp.GetRequiredService<IConnectionMultiplexer>())),
            services => services.AddSingleton<IConnectionMultiplexer>(owned));
        using var browser = new ProtocolClient();

        var handle = await browser.StartAsync(app.Address, "echo", "echo-in", "value", 3);
        var done = await browser.WaitForEndAsync(app.Address, handle, JobTimeout);

        Assert.Equal("echo 3", ProtocolClient.Value(done, "echo-out", "children")!.GetValue<string>());
        await using var inspector = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",name=inspector,allowAdmin=true");
        var clients = await inspector.GetServer(inspector.GetEndPoints()[0]).ClientListAsync();
        Assert.All(clients, c => Assert.True(c.Name is "app-owned" or "inspector", $"The library opened a connection of its own: '{c.Name}'."));

        await app.DisposeAsync();

        Assert.True(owned.IsConnected);
        await owned.GetDatabase().PingAsync();
        await WaitUntilAsync(
            async () => ((RedisResult[])(await inspector.GetDatabase().ExecuteAsync("PUBSUB", "CHANNELS", "bgcb:*"))!).Length == 0,
            "The stopped app left a job-change subscription on the application's multiplexer.");
    }

    [Fact]
    public async Task An_app_given_ConfigurationOptions_connects_with_a_copy_of_them_and_runs_jobs()
    {
        await using var redis = await RedisServer.StartAsync();
        var configuration = new ConfigurationOptions
        {
            EndPoints = { redis.ConnectionString },
            ClientName = "from-options",
            AbortOnConnectFail = true,
            ConnectTimeout = 7000,
        };
        await using var app = await InProcessApp.StartAsync(b => Echo(b.UseRedis(o => o.ConfigurationOptions = configuration)));
        using var browser = new ProtocolClient();

        var handle = await browser.StartAsync(app.Address, "echo", "echo-in", "value", 4);
        var done = await browser.WaitForEndAsync(app.Address, handle, JobTimeout);

        Assert.Equal("echo 4", ProtocolClient.Value(done, "echo-out", "children")!.GetValue<string>());
        await using var inspector = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",name=inspector,allowAdmin=true");
        var clients = await inspector.GetServer(inspector.GetEndPoints()[0]).ClientListAsync();
        Assert.Contains(clients, c => c.Name == "from-options");
        Assert.DoesNotContain(clients, c => c.Name == "BackgroundCallbacks");

        // The application's instance is its own: our timeouts and fail-fast settings went on a copy.
        Assert.True(configuration.AbortOnConnectFail);
        Assert.Equal(7000, configuration.ConnectTimeout);
    }

    [Fact]
    public void The_copy_of_ConfigurationOptions_keeps_a_provider_set_as_its_Defaults_as_Entra_ID_sets_its_token_provider()
    {
        var provider = new TokenLikeOptionsProvider();
        var configuration = new ConfigurationOptions { EndPoints = { "127.0.0.1:6379" }, Defaults = provider };

        var copy = RedisConnectionFactory.Configure(configuration, TimeSpan.FromSeconds(1));

        Assert.Same(provider, copy.Defaults);
        Assert.Equal("token", copy.Password);
        Assert.False(copy.AbortOnConnectFail);
    }

    [Fact]
    public async Task Starting_the_app_does_not_connect_and_the_first_invocation_after_Redis_comes_up_succeeds_without_a_restart()
    {
        var port = FreePort.Next();
        var tripwire = new TcpListener(IPAddress.Loopback, port);
        tripwire.Start();
        InProcessApp app;
        try
        {
            app = await InProcessApp.StartAsync(
                b => Echo(b.UseRedis($"127.0.0.1:{port}")),
                callbackOptions: o =>
                {
                    o.RunWorkers = false;
                    o.SweepInterval = TimeSpan.FromHours(1);
                });
            using var client = new HttpClient { BaseAddress = app.Address };
            var dependencies = await client.GetAsync("/_callbacks/dependencies");

            Assert.Equal(HttpStatusCode.OK, dependencies.StatusCode);
            Assert.False(tripwire.Pending(), "The app connected to Redis while it was built or started.");
        }
        finally
        {
            tripwire.Stop();
        }

        await using (app)
        {
            using var browser = new ProtocolClient();
            var (status, body, response) = await browser.InvokeAsync(app.Address, "echo", "echo-in", "value", 1);

            Assert.True(status == HttpStatusCode.ServiceUnavailable, $"Expected 503, got {(int)status}: {body.ToJsonString()}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.NotNull(response.Headers.RetryAfter);
            Assert.Equal(503, body["status"]!.GetValue<int>());

            await using var redis = await RedisServer.StartAsync(port: port);
            var accepted = await InvokeUntilAcceptedAsync(browser, app.Address);
            Assert.False(string.IsNullOrEmpty(accepted["handle"]?.GetValue<string>()));
        }
    }

    [Fact]
    public async Task Workers_of_an_app_started_while_Redis_was_down_run_jobs_once_it_is_up()
    {
        var port = FreePort.Next();
        await using var app = await InProcessApp.StartAsync(b => Echo(b.UseRedis($"127.0.0.1:{port}")));
        using var browser = new ProtocolClient();
        var (status, _, _) = await browser.InvokeAsync(app.Address, "echo", "echo-in", "value", 1);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);

        await using var redis = await RedisServer.StartAsync(port: port);
        var handle = (await InvokeUntilAcceptedAsync(browser, app.Address))["handle"]!.GetValue<string>();
        var done = await browser.WaitForEndAsync(app.Address, handle, JobTimeout);

        Assert.Equal("echo 2", ProtocolClient.Value(done, "echo-out", "children")!.GetValue<string>());
    }

    [Fact]
    public async Task The_ConnectionMultiplexerFactory_is_called_once_on_first_use_and_not_while_the_app_starts()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var owned = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var calls = 0;
        await using var app = await InProcessApp.StartAsync(
            b => Echo(b.UseRedis(o => o.ConnectionMultiplexerFactory = async _ =>
            {
                Interlocked.Increment(ref calls);
                await Task.Yield();
                return owned;
            })),
            callbackOptions: o =>
            {
                o.RunWorkers = false;
                o.SweepInterval = TimeSpan.FromHours(1);
            });
        using var browser = new ProtocolClient();
        await browser.WithSessionAsync(app.Address);
        Assert.Equal(0, Volatile.Read(ref calls));

        var invocations = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => browser.InvokeAsync(app.Address, "echo", "echo-in", "value", i)));

        Assert.All(invocations, i => Assert.Equal(HttpStatusCode.Accepted, i.Status));
        Assert.Equal(1, Volatile.Read(ref calls));
    }

    [Fact]
    public async Task A_factory_that_fails_is_named_in_the_error_and_the_app_keeps_running()
    {
        await using var app = await InProcessApp.StartAsync(b => Echo(b.UseRedis(sp => sp.GetRequiredService<IConnectionMultiplexer>())));

        // The workers wait for the connection: the host started, and the log says what to fix.
        await app.Logs.WaitForEventAsync("RedisWorkersNotStarted", TimeSpan.FromSeconds(10));
        var failure = app.Logs.ExceptionOf("RedisWorkersNotStarted");

        Assert.NotNull(failure);
        Assert.Contains("ConnectionMultiplexerFactory", failure.Message, StringComparison.Ordinal);
        Assert.Contains("IConnectionMultiplexer", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_store_call_through_a_failing_factory_names_the_setting()
    {
        await using var backend = await BackendHarness.CreateAsync("127.0.0.1:1", o =>
        {
            o.ConnectionString = null;
            o.ConnectionMultiplexerFactory = _ => throw new InvalidOperationException("no multiplexer here");
        });

        var failure = await Assert.ThrowsAsync<InvalidOperationException>(async () => await backend.Jobs.AdmitAsync(JobStoreContractTests.NewAdmission(), CancellationToken.None));

        Assert.Equal("Connecting to Redis through ConnectionMultiplexerFactory failed: no multiplexer here", failure.Message);
    }

    private static BackgroundCallbacksBuilder Echo(BackgroundCallbacksBuilder builder)
    {
        builder.MapBackgroundCallback("echo", (int? n) => $"echo {n}").Output("echo-out", "children").Input("echo-in", "value");
        return builder;
    }

    /// <summary>Invokes until the connection, restored in the background, lets an invocation through; 503s until then.</summary>
    private static async Task<System.Text.Json.Nodes.JsonObject> InvokeUntilAcceptedAsync(ProtocolClient browser, Uri app)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var (status, body, _) = await browser.InvokeAsync(app, "echo", "echo-in", "value", 2);
            if (status == HttpStatusCode.Accepted)
            {
                return body;
            }

            Assert.True(status == HttpStatusCode.ServiceUnavailable, $"Expected 202 or 503, got {(int)status}: {body.ToJsonString()}");
            Assert.True(DateTime.UtcNow < deadline, "The app never reached Redis after it came up.");
            await Task.Delay(100);
        }
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, string message)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, message);
            await Task.Delay(50);
        }
    }

    /// <summary>Stands for Entra ID's token provider, which the Azure extension sets as the configuration's Defaults.</summary>
    private sealed class TokenLikeOptionsProvider : StackExchange.Redis.Configuration.DefaultOptionsProvider
    {
        public override string? Password => "token";
    }
}
