using System.Net;
using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace BackgroundCallbacks.Tests;

public class CachingTests
{
    private static object[] In(object? value) => [CallbackClient.Value("in", "value", value)];

    private static long JobCount(TestApp app)
    {
        var stats = app.HangfireStorage().GetMonitoringApi().GetStatistics();
        return stats.Enqueued + stats.Processing + stats.Succeeded + stats.Failed + stats.Deleted + stats.Scheduled;
    }

    private static async Task<string> RunAsync(CallbackClient client, string callbackId, object[] inputs, object[]? state = null, string[]? triggered = null)
    {
        var handle = await client.StartAsync(callbackId, inputs, state, triggered);
        var done = await client.WaitForEndAsync(handle);
        Assert.Equal("succeeded", done.Status());
        return CallbackClient.Output(done, "out", "children").Str()!;
    }

    [Fact]
    public async Task A_cache_hit_answers_200_with_the_outputs_and_never_touches_the_queue()
    {
        var calls = 0;
        await using var app = await TestApp.StartAsync(
            b => b.MapBackgroundCallback("square", (int? n) => { Interlocked.Increment(ref calls); return $"{n * n}"; })
                .Output("out", "children").Input("in", "value"),
            o => o.CacheBy = []);
        using var client = app.NewClient();
        Assert.Equal("49", await RunAsync(client, "square", In(7)));
        var jobsBefore = JobCount(app);

        var (response, body) = await client.InvokeAsync("square", In(7));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(body["cached"]!.GetValue<bool>());
        Assert.Equal("49", CallbackClient.Output(body, "out", "children").Str());
        Assert.Equal(1, Volatile.Read(ref calls));
        Assert.Equal(jobsBefore, JobCount(app));
    }

    [Fact]
    public async Task Different_inputs_get_different_keys()
    {
        await using var app = await TestApp.StartAsync(
            b => b.MapBackgroundCallback("square", (int? n) => $"{n * n}").Output("out", "children").Input("in", "value"),
            o => o.CacheBy = []);
        using var client = app.NewClient();
        await RunAsync(client, "square", In(7));

        var (response, _) = await client.InvokeAsync("square", In(8));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
    }

    [Fact]
    public async Task Without_cache_by_providers_results_are_private_to_the_invocation_that_asked()
    {
        var calls = 0;
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("square", (int? n) => { Interlocked.Increment(ref calls); return $"{n * n}"; })
            .Output("out", "children").Input("in", "value"));
        using var client = app.NewClient();
        await RunAsync(client, "square", In(3));

        var (response, body) = await client.InvokeAsync("square", In(3));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        await client.WaitForEndAsync(body["handle"].Str()!);
        Assert.Equal(2, Volatile.Read(ref calls));
    }

    [Fact]
    public async Task An_empty_provider_list_on_the_callback_turns_caching_on()
    {
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("square", (int? n) => $"{n * n}").Output("out", "children").Input("in", "value")
            .Configure(c => c.CacheBy = []));
        using var client = app.NewClient();
        await RunAsync(client, "square", In(3));

        var (response, _) = await client.InvokeAsync("square", In(3));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Results_are_private_to_their_owner_unless_the_callback_shares_them()
    {
        await using var app = await TestApp.StartAsync(b =>
        {
            b.MapBackgroundCallback("private", (int? n) => $"{n}").Output("out", "children", allowDuplicate: true).Input("in", "value")
                .Configure(c => c.CacheBy = [BuiltInCacheBy.LaunchId]);
            b.MapBackgroundCallback("shared", (int? n) => $"{n}").Output("out", "children", allowDuplicate: true).Input("in", "value")
                .Configure(c => { c.CacheBy = [BuiltInCacheBy.LaunchId]; c.SharedResults = true; });
        });
        using var alice = app.NewClient();
        using var bob = app.NewClient();
        await RunAsync(alice, "private", In(1));
        await RunAsync(alice, "shared", In(1));

        Assert.Equal(HttpStatusCode.OK, (await alice.InvokeAsync("private", In(1))).Response.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await bob.InvokeAsync("private", In(1))).Response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await bob.InvokeAsync("shared", In(1))).Response.StatusCode);
    }

    [Fact]
    public async Task A_shared_hit_answers_a_request_without_a_cookie_and_gives_it_a_session()
    {
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("shared", (int? n) => $"{n}").Output("out", "children").Input("in", "value")
            .Configure(c => { c.CacheBy = []; c.SharedResults = true; }));
        using var alice = app.NewClient();
        await RunAsync(alice, "shared", In(1));
        using var http = new HttpClient { BaseAddress = app.Address };

        using var body = new StringContent("""{"inputs":[{"id":"in","property":"value","value":1}],"state":[],"triggered":["in.value"]}""", System.Text.Encoding.UTF8, "application/json");
        var response = await http.PostAsync("/_callbacks/callbacks/shared", body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("\"cached\":true", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(".BackgroundCallbacks.Session=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_user_provider_keeps_shared_results_apart_per_authenticated_user()
    {
        await using var app = await TestApp.StartAsync(
            b => b.MapBackgroundCallback("report", (int? n, CallbackContext ctx) => $"{ctx.User.FindFirst(System.Security.Claims.ClaimTypes.NameIdentifier)?.Value}:{n}")
                .Output("out", "children").Input("in", "value")
                .Configure(c => { c.CacheBy = [BuiltInCacheBy.User]; c.SharedResults = true; }),
            services: HeaderAuthenticationHandler.AddTo,
            pipeline: HeaderAuthenticationHandler.Use);
        using var aliceLaptop = app.NewClient();
        using var alicePhone = app.NewClient();
        using var bob = app.NewClient();
        aliceLaptop.Http.DefaultRequestHeaders.Add("X-User", "alice");
        alicePhone.Http.DefaultRequestHeaders.Add("X-User", "alice");
        bob.Http.DefaultRequestHeaders.Add("X-User", "bob");
        Assert.Equal("alice:5", await RunAsync(aliceLaptop, "report", In(5)));

        var (phone, phoneBody) = await alicePhone.InvokeAsync("report", In(5));
        var (bobs, _) = await bob.InvokeAsync("report", In(5));

        Assert.Equal(HttpStatusCode.OK, phone.StatusCode);
        Assert.Equal("alice:5", CallbackClient.Output(phoneBody, "out", "children").Str());
        Assert.Equal(HttpStatusCode.Accepted, bobs.StatusCode);
    }

    [Fact]
    public async Task The_session_provider_keeps_shared_results_apart_per_session()
    {
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("report", (int? n) => $"{n}").Output("out", "children").Input("in", "value")
            .Configure(c => { c.CacheBy = [BuiltInCacheBy.Session]; c.SharedResults = true; }));
        using var first = app.NewClient();
        using var second = app.NewClient();
        await RunAsync(first, "report", In(5));

        Assert.Equal(HttpStatusCode.OK, (await first.InvokeAsync("report", In(5))).Response.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await second.InvokeAsync("report", In(5))).Response.StatusCode);
    }

    [Fact]
    public async Task The_launch_id_and_app_version_providers_share_results_across_sessions()
    {
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("report", (int? n) => $"{n}").Output("out", "children").Input("in", "value")
            .Configure(c => { c.CacheBy = [BuiltInCacheBy.LaunchId, BuiltInCacheBy.AppVersion]; c.SharedResults = true; }));
        using var first = app.NewClient();
        using var second = app.NewClient();
        await RunAsync(first, "report", In(5));

        Assert.Equal(HttpStatusCode.OK, (await second.InvokeAsync("report", In(5))).Response.StatusCode);
    }

    [Fact]
    public async Task The_file_modification_provider_invalidates_results_when_the_file_changes()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.SetLastWriteTimeUtc(file, new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc));
            await using var app = await TestApp.StartAsync(b =>
            {
                b.AddFileModifiedCacheBy("dataset", file);
                b.MapBackgroundCallback("report", (int? n) => $"{n}").Output("out", "children").Input("in", "value")
                    .Configure(c => c.CacheBy = ["dataset"]);
            });
            using var client = app.NewClient();
            await RunAsync(client, "report", In(5));
            Assert.Equal(HttpStatusCode.OK, (await client.InvokeAsync("report", In(5))).Response.StatusCode);

            File.SetLastWriteTimeUtc(file, new DateTime(2026, 1, 2, 0, 0, 0, DateTimeKind.Utc));

            Assert.Equal(HttpStatusCode.Accepted, (await client.InvokeAsync("report", In(5))).Response.StatusCode);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_custom_provider_from_DI_is_evaluated_in_the_web_request()
    {
        await using var app = await TestApp.StartAsync(b =>
        {
            b.AddCacheByProvider<TenantProvider>("tenant");
            b.MapBackgroundCallback("report", (int? n) => $"{n}").Output("out", "children").Input("in", "value")
                .Configure(c => { c.CacheBy = ["tenant"]; c.SharedResults = true; });
        });
        using var acme1 = app.NewClient();
        using var acme2 = app.NewClient();
        using var globex = app.NewClient();
        acme1.Http.DefaultRequestHeaders.Add("X-Tenant", "acme");
        acme2.Http.DefaultRequestHeaders.Add("X-Tenant", "acme");
        globex.Http.DefaultRequestHeaders.Add("X-Tenant", "globex");
        await RunAsync(acme1, "report", In(5));

        Assert.Equal(HttpStatusCode.OK, (await acme2.InvokeAsync("report", In(5))).Response.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await globex.InvokeAsync("report", In(5))).Response.StatusCode);
    }

    [Fact]
    public async Task Manager_providers_apply_to_the_managers_callbacks_only()
    {
        await using var app = await TestApp.StartAsync(b =>
        {
            b.AddManager("reports", m => m.CacheBy = [BuiltInCacheBy.LaunchId]);
            b.MapBackgroundCallback("on-reports", (int? n) => $"{n}").Output("out", "children", allowDuplicate: true).Input("in", "value")
                .Configure(c => c.Manager = "reports");
            b.MapBackgroundCallback("on-default", (int? n) => $"{n}").Output("out", "children", allowDuplicate: true).Input("in", "value");
        });
        using var client = app.NewClient();
        await RunAsync(client, "on-reports", In(5));
        await RunAsync(client, "on-default", In(5));

        Assert.Equal(HttpStatusCode.OK, (await client.InvokeAsync("on-reports", In(5))).Response.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await client.InvokeAsync("on-default", In(5))).Response.StatusCode);
    }

    [Fact]
    public async Task A_callbacks_own_providers_replace_the_managers()
    {
        await using var app = await TestApp.StartAsync(
            b => b.MapBackgroundCallback("report", (int? n) => $"{n}").Output("out", "children").Input("in", "value")
                .Configure(c => { c.CacheBy = [BuiltInCacheBy.Session]; c.SharedResults = true; }),
            o => { o.CacheBy = [BuiltInCacheBy.LaunchId]; });
        using var first = app.NewClient();
        using var second = app.NewClient();
        await RunAsync(first, "report", In(5));

        // The manager's launch id alone would share the result; the callback's session provider keeps sessions apart.
        Assert.Equal(HttpStatusCode.Accepted, (await second.InvokeAsync("report", In(5))).Response.StatusCode);
    }

    [Fact]
    public async Task An_argument_ignored_by_position_does_not_change_the_key()
    {
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("report", (int? clicks, string? value) => $"Result for '{value}'")
            .Output("out", "children").Input("run", "n_clicks").State("in", "value")
            .Configure(c => { c.CacheBy = []; c.CacheArgsToIgnore = [0]; }));
        using var client = app.NewClient();
        await RunAsync(client, "report", [CallbackClient.Value("run", "n_clicks", 1)], [CallbackClient.Value("in", "value", "a")]);

        var (sameValue, body) = await client.InvokeAsync("report", [CallbackClient.Value("run", "n_clicks", 2)], [CallbackClient.Value("in", "value", "a")]);
        var (otherValue, _) = await client.InvokeAsync("report", [CallbackClient.Value("run", "n_clicks", 3)], [CallbackClient.Value("in", "value", "b")]);

        Assert.Equal(HttpStatusCode.OK, sameValue.StatusCode);
        Assert.Equal("Result for 'a'", CallbackClient.Output(body, "out", "children").Str());
        Assert.Equal(HttpStatusCode.Accepted, otherValue.StatusCode);
    }

    [Fact]
    public async Task An_argument_ignored_by_name_does_not_change_the_key()
    {
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("report", (string? value, int? button) => $"Result for '{value}'")
            .Output("out", "children").Input("run", "n_clicks", name: "button").State("in", "value", name: "value")
            .Configure(c => { c.CacheBy = []; c.CacheArgsToIgnore = ["button"]; }));
        using var client = app.NewClient();
        await RunAsync(client, "report", [CallbackClient.Value("run", "n_clicks", 1)], [CallbackClient.Value("in", "value", "a")]);

        var (sameValue, _) = await client.InvokeAsync("report", [CallbackClient.Value("run", "n_clicks", 2)], [CallbackClient.Value("in", "value", "a")]);
        var (otherValue, _) = await client.InvokeAsync("report", [CallbackClient.Value("run", "n_clicks", 2)], [CallbackClient.Value("in", "value", "b")]);

        Assert.Equal(HttpStatusCode.OK, sameValue.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, otherValue.StatusCode);
    }

    [Fact]
    public async Task Triggered_inputs_are_left_out_of_the_key_by_default_and_kept_when_the_callback_asks()
    {
        await using var app = await TestApp.StartAsync(b =>
        {
            b.MapBackgroundCallback("counted", (int? a, int? bb) => $"{a}-{bb}").Output("out", "children", allowDuplicate: true).Input("a", "value").Input("b", "value")
                .Configure(c => { c.CacheBy = []; c.CacheIgnoreTriggered = false; });
            b.MapBackgroundCallback("ignoring", (int? a, int? bb) => $"{a}-{bb}").Output("out", "children", allowDuplicate: true).Input("a", "value").Input("b", "value")
                .Configure(c => c.CacheBy = []);
        });
        using var client = app.NewClient();
        object[] inputs = [CallbackClient.Value("a", "value", 1), CallbackClient.Value("b", "value", 2)];
        await RunAsync(client, "counted", inputs, triggered: ["a.value"]);
        await RunAsync(client, "ignoring", inputs, triggered: ["a.value"]);

        Assert.Equal(HttpStatusCode.Accepted, (await client.InvokeAsync("counted", inputs, triggered: ["b.value"])).Response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.InvokeAsync("ignoring", inputs, triggered: ["b.value"])).Response.StatusCode);
    }

    [Fact]
    public async Task Expiry_is_sliding_each_read_restarts_the_timer()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-23T12:00:00Z"));
        await using var app = await TestApp.StartAsync(
            b => b.MapBackgroundCallback("report", (int? n) => $"{n}").Output("out", "children").Input("in", "value"),
            o => { o.CacheBy = []; o.Expire = TimeSpan.FromSeconds(60); },
            services: s => s.AddSingleton<TimeProvider>(time));
        using var client = app.NewClient();
        await RunAsync(client, "report", In(1));

        time.Advance(TimeSpan.FromSeconds(45));
        Assert.Equal(HttpStatusCode.OK, (await client.InvokeAsync("report", In(1))).Response.StatusCode);
        time.Advance(TimeSpan.FromSeconds(45));
        Assert.Equal(HttpStatusCode.OK, (await client.InvokeAsync("report", In(1))).Response.StatusCode);
        time.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(HttpStatusCode.Accepted, (await client.InvokeAsync("report", In(1))).Response.StatusCode);
    }

    [Fact]
    public async Task A_callbacks_own_expiry_replaces_the_managers()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-23T12:00:00Z"));
        await using var app = await TestApp.StartAsync(
            b =>
            {
                b.MapBackgroundCallback("short", (int? n) => $"{n}").Output("out", "children", allowDuplicate: true).Input("in", "value").Configure(c => c.ExpireSeconds = 10);
                b.MapBackgroundCallback("long", (int? n) => $"{n}").Output("out", "children", allowDuplicate: true).Input("in", "value");
            },
            o => { o.CacheBy = []; o.Expire = TimeSpan.FromSeconds(60); },
            services: s => s.AddSingleton<TimeProvider>(time));
        using var client = app.NewClient();
        await RunAsync(client, "short", In(1));
        await RunAsync(client, "long", In(1));

        time.Advance(TimeSpan.FromSeconds(11));

        Assert.Equal(HttpStatusCode.Accepted, (await client.InvokeAsync("short", In(1))).Response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.InvokeAsync("long", In(1))).Response.StatusCode);
    }

    [Fact]
    public async Task A_failed_job_is_never_cached()
    {
        var calls = 0;
        await using var app = await TestApp.StartAsync(
            b => b.MapBackgroundCallback("broken", new Func<int?, string>(n => { Interlocked.Increment(ref calls); throw new InvalidOperationException("no"); }))
                .Output("out", "children").Input("in", "value"),
            o => o.CacheBy = []);
        using var client = app.NewClient();
        var handle = await client.StartAsync("broken", In(1));
        Assert.Equal("failed", (await client.WaitForEndAsync(handle)).Status());

        Assert.Equal(HttpStatusCode.Accepted, (await client.InvokeAsync("broken", In(1))).Response.StatusCode);
    }

    private sealed class TenantProvider : ICacheByProvider
    {
        public ValueTask<string?> GetValueAsync(HttpContext context, CancellationToken cancellationToken) =>
            ValueTask.FromResult<string?>(context.Request.Headers["X-Tenant"].ToString());
    }
}
