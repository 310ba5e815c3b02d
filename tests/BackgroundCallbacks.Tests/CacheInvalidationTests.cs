using System.Net;
using System.Security.Claims;
using BackgroundCallbacks.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace BackgroundCallbacks.Tests;

public class CacheInvalidationTests
{
    private const string Admin = "/_callbacks-admin";

    private static object[] In(object? value) => [CallbackClient.Value("in", "value", value)];

    /// <summary>Two cached callbacks that count their runs and tell their cache key.</summary>
    private sealed class Counted
    {
        public int A;
        public int B;
        public string? LastKey;

        public void Register(BackgroundCallbacksBuilder b)
        {
            b.MapBackgroundCallback("a", (int? n, CallbackContext ctx) => { Interlocked.Increment(ref A); LastKey = ctx.CacheKey; return $"a{n}"; })
                .Output("out", "children", allowDuplicate: true).Input("in", "value");
            b.MapBackgroundCallback("b", (int? n) => { Interlocked.Increment(ref B); return $"b{n}"; })
                .Output("out", "children", allowDuplicate: true).Input("in", "value");
        }
    }

    private static async Task<HttpStatusCode> RunAsync(CallbackClient client, string callbackId, int value)
    {
        var (response, body) = await client.InvokeAsync(callbackId, In(value));
        if (response.StatusCode == HttpStatusCode.Accepted)
        {
            Assert.Equal("succeeded", (await client.WaitForEndAsync(body["handle"].Str()!)).Status());
        }

        return response.StatusCode;
    }

    private static async Task WarmAsync(CallbackClient client)
    {
        Assert.Equal(HttpStatusCode.Accepted, await RunAsync(client, "a", 1));
        Assert.Equal(HttpStatusCode.Accepted, await RunAsync(client, "b", 1));
        Assert.Equal(HttpStatusCode.OK, await RunAsync(client, "a", 1));
        Assert.Equal(HttpStatusCode.OK, await RunAsync(client, "b", 1));
    }

    [Fact]
    public async Task A_handler_sees_its_cache_key_and_evicting_it_runs_the_handler_again()
    {
        var counted = new Counted();
        await using var app = await TestApp.StartAsync(counted.Register, o => o.CacheBy = []);
        using var client = await app.NewClient().WithSessionAsync();
        await WarmAsync(client);
        var key = counted.LastKey;
        Assert.Matches("^[0-9a-f]{64}$", key);

        await app.Services.GetRequiredService<ICallbackCache>().EvictAsync(key!);

        Assert.Equal(HttpStatusCode.Accepted, await RunAsync(client, "a", 1));
        Assert.Equal(2, counted.A);
        Assert.Equal(key, counted.LastKey);
        Assert.Equal(HttpStatusCode.OK, await RunAsync(client, "b", 1));
    }

    [Fact]
    public async Task An_uncached_callback_has_no_cache_key()
    {
        string? seen = "unset";
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("plain", (int? n, CallbackContext ctx) => { seen = ctx.CacheKey; return $"{n}"; }).Output("out", "children").Input("in", "value"));
        using var client = app.NewClient();

        await RunAsync(client, "plain", 1);

        Assert.Null(seen);
    }

    [Fact]
    public async Task An_inline_handler_sees_the_same_cache_key_a_job_would()
    {
        var keys = new List<string?>();
        await using var app = await TestApp.StartAsync(
            b => b.MapBackgroundCallback("inline", (int? n, CallbackContext ctx) => { lock (keys) { keys.Add(ctx.CacheKey); } return $"{n}"; })
                .Output("out", "children").Input("in", "value").Configure(c => c.Inline = true),
            o => o.CacheBy = []);
        using var client = await app.NewClient().WithSessionAsync();
        await client.InvokeAsync("inline", In(1));

        await app.Services.GetRequiredService<ICallbackCache>().EvictAsync(keys[0]!.ToUpperInvariant());
        await client.InvokeAsync("inline", In(1));

        Assert.Equal(2, keys.Count);
        Assert.Matches("^[0-9a-f]{64}$", keys[0]);
        Assert.Equal(keys[0], keys[1]);
    }

    [Fact]
    public async Task Evicting_a_callback_runs_its_handler_again_and_other_callbacks_stay_cached()
    {
        var counted = new Counted();
        await using var app = await TestApp.StartAsync(counted.Register, o => o.CacheBy = []);
        using var client = await app.NewClient().WithSessionAsync();
        await WarmAsync(client);

        Assert.True(await app.Services.GetRequiredService<ICallbackCache>().EvictCallbackAsync("a"));

        Assert.Equal(HttpStatusCode.Accepted, await RunAsync(client, "a", 1));
        Assert.Equal(HttpStatusCode.OK, await RunAsync(client, "b", 1));
        Assert.Equal(HttpStatusCode.OK, await RunAsync(client, "a", 1));
        Assert.Equal(2, counted.A);
        Assert.Equal(1, counted.B);
    }

    [Fact]
    public async Task Evicting_an_unknown_callback_says_so()
    {
        var counted = new Counted();
        await using var app = await TestApp.StartAsync(counted.Register, o => o.CacheBy = []);

        Assert.False(await app.Services.GetRequiredService<ICallbackCache>().EvictCallbackAsync("nope"));
    }

    [Fact]
    public async Task Evicting_everything_runs_every_handler_again()
    {
        var counted = new Counted();
        await using var app = await TestApp.StartAsync(counted.Register, o => o.CacheBy = []);
        using var client = await app.NewClient().WithSessionAsync();
        await WarmAsync(client);

        await app.Services.GetRequiredService<ICallbackCache>().EvictAllAsync();

        Assert.Equal(HttpStatusCode.Accepted, await RunAsync(client, "a", 1));
        Assert.Equal(HttpStatusCode.Accepted, await RunAsync(client, "b", 1));
        Assert.Equal(2, counted.A);
        Assert.Equal(2, counted.B);
    }

    [Fact]
    public async Task A_malformed_key_is_refused()
    {
        var counted = new Counted();
        await using var app = await TestApp.StartAsync(counted.Register, o => o.CacheBy = []);

        await Assert.ThrowsAsync<ArgumentException>(async () => await app.Services.GetRequiredService<ICallbackCache>().EvictAsync("not-a-key"));
    }

    [Fact]
    public async Task The_admin_door_is_never_mapped_by_default()
    {
        var counted = new Counted();
        await using var app = await TestApp.StartAsync(counted.Register, o => o.CacheBy = []);
        using var client = app.NewClient();

        Assert.Equal(HttpStatusCode.NotFound, (await client.Http.DeleteAsync(Admin + "/cache")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.Http.DeleteAsync(CallbackClient.Prefix + "/cache")).StatusCode);
    }

    private static Task<TestApp> StartWithAdminAsync(Counted counted) => TestApp.StartAsync(
        counted.Register,
        o => o.CacheBy = [],
        services: s =>
        {
            HeaderAuthenticationHandler.AddTo(s);
            s.AddAuthorization(o => o.AddPolicy("cache-admin", p => p.RequireClaim(ClaimTypes.NameIdentifier, "root")));
        },
        pipeline: a =>
        {
            a.UseAuthentication();
            a.UseAuthorization();
            a.MapBackgroundCallbacksAdmin(Admin, "cache-admin");
        });

    [Fact]
    public async Task The_admin_door_refuses_callers_its_policy_does_not_admit()
    {
        var counted = new Counted();
        await using var app = await StartWithAdminAsync(counted);
        using var anonymous = app.NewClient();
        using var bob = app.NewClient();
        bob.Http.DefaultRequestHeaders.Add("X-User", "bob");
        await WarmAsync(bob);

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.Http.DeleteAsync(Admin + "/cache")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await bob.Http.DeleteAsync(Admin + "/cache")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await bob.Http.DeleteAsync(Admin + "/cache/callbacks/a")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await bob.Http.DeleteAsync(Admin + "/cache/keys/" + counted.LastKey)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, await RunAsync(bob, "a", 1));
        Assert.Equal(HttpStatusCode.OK, await RunAsync(bob, "b", 1));
    }

    [Fact]
    public async Task The_admin_door_evicts_for_a_caller_its_policy_admits()
    {
        var counted = new Counted();
        await using var app = await StartWithAdminAsync(counted);
        using var root = app.NewClient();
        root.Http.DefaultRequestHeaders.Add("X-User", "root");
        await WarmAsync(root);

        Assert.Equal(HttpStatusCode.NoContent, (await root.Http.DeleteAsync(Admin + "/cache/keys/" + counted.LastKey)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, await RunAsync(root, "a", 1));
        Assert.Equal(HttpStatusCode.OK, await RunAsync(root, "b", 1));

        Assert.Equal(HttpStatusCode.NoContent, (await root.Http.DeleteAsync(Admin + "/cache/callbacks/b")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, await RunAsync(root, "a", 1));
        Assert.Equal(HttpStatusCode.Accepted, await RunAsync(root, "b", 1));

        Assert.Equal(HttpStatusCode.NoContent, (await root.Http.DeleteAsync(Admin + "/cache")).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, await RunAsync(root, "a", 1));
        Assert.Equal(HttpStatusCode.Accepted, await RunAsync(root, "b", 1));
        Assert.Equal(3, counted.A);
        Assert.Equal(3, counted.B);
    }

    [Fact]
    public async Task The_admin_door_answers_404_for_an_unknown_callback_and_400_for_a_malformed_key()
    {
        var counted = new Counted();
        await using var app = await StartWithAdminAsync(counted);
        using var root = app.NewClient();
        root.Http.DefaultRequestHeaders.Add("X-User", "root");

        var unknown = await root.Http.DeleteAsync(Admin + "/cache/callbacks/nope");
        var malformed = await root.Http.DeleteAsync(Admin + "/cache/keys/abc");

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Equal("application/problem+json", malformed.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await root.Http.GetAsync(Admin + "/cache")).StatusCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public async Task Mapping_the_admin_door_without_a_policy_fails_at_startup(string policy)
    {
        var counted = new Counted();
        await Assert.ThrowsAsync<ArgumentException>(() => TestApp.StartAsync(counted.Register, pipeline: a => a.MapBackgroundCallbacksAdmin(Admin, policy)));
    }
}
