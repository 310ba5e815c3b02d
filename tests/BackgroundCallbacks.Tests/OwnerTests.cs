using System.Security.Claims;
using System.Net;
using BackgroundCallbacks.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace BackgroundCallbacks.Tests;

public class OwnerTests
{
    private static object[] In(object? value) => [CallbackClient.Value("in", "value", value)];

    [Fact]
    public async Task Another_owner_gets_404_for_a_handle_exactly_as_for_one_that_never_existed()
    {
        var gate = new Gate();
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("slow", async (int? n, CancellationToken ct) => { await gate.PassAsync(ct); return n; })
            .Output("out", "children").Input("in", "value"));
        using var owner = app.NewClient();
        using var stranger = app.NewClient();
        var handle = await owner.StartAsync("slow", In(1));
        var neverExisted = "AAAAAAAAAAAAAAAAAAAAAA.default";

        var (foreignPoll, foreignPollBody) = await stranger.PollAsync(handle);
        var (missingPoll, missingPollBody) = await stranger.PollAsync(neverExisted);
        var (foreignCancel, foreignCancelBody) = await stranger.CancelAsync(handle);

        Assert.Equal(HttpStatusCode.NotFound, foreignPoll.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, missingPoll.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, foreignCancel.StatusCode);
        Assert.Equal(missingPollBody["title"].Str(), foreignPollBody["title"].Str());
        Assert.Equal(missingPollBody["detail"].Str(), foreignPollBody["detail"].Str());
        Assert.Equal(missingPollBody["detail"].Str(), foreignCancelBody["detail"].Str());

        // The stranger's cancel did nothing: the owner's job still runs to its end.
        gate.Open();
        Assert.Equal("succeeded", (await owner.WaitForEndAsync(handle)).Status());
    }

    [Fact]
    public async Task The_session_cookie_is_HttpOnly_and_SameSite_Lax()
    {
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("echo", (int? n) => n).Output("out", "children").Input("in", "value"));
        using var http = new HttpClient { BaseAddress = app.Address };

        var response = await http.GetAsync("/_callbacks/dependencies");

        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith(".BackgroundCallbacks.Session=", cookie);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_forged_session_cookie_is_replaced_not_trusted()
    {
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("echo", (int? n) => n).Output("out", "children").Input("in", "value"));
        using var http = new HttpClient { BaseAddress = app.Address };
        http.DefaultRequestHeaders.Add("Cookie", ".BackgroundCallbacks.Session=short");

        var response = await http.GetAsync("/_callbacks/dependencies");

        Assert.Contains(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(".BackgroundCallbacks.Session=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_authenticated_user_owns_jobs_across_sessions_and_other_users_do_not()
    {
        await using var app = await TestApp.StartAsync(
            b => b.MapBackgroundCallback("echo", (int? n) => n).Output("out", "children").Input("in", "value"),
            services: HeaderAuthenticationHandler.AddTo,
            pipeline: HeaderAuthenticationHandler.Use);
        using var laptop = app.NewClient();
        using var phone = app.NewClient();
        using var bob = app.NewClient();
        laptop.Http.DefaultRequestHeaders.Add("X-User", "alice");
        phone.Http.DefaultRequestHeaders.Add("X-User", "alice");
        bob.Http.DefaultRequestHeaders.Add("X-User", "bob");
        var handle = await laptop.StartAsync("echo", In(1));

        Assert.Equal("succeeded", (await phone.WaitForEndAsync(handle)).Status());
        Assert.Equal(HttpStatusCode.NotFound, (await bob.PollAsync(handle)).Response.StatusCode);
    }

    [Fact]
    public async Task The_handler_sees_the_calling_users_identity()
    {
        await using var app = await TestApp.StartAsync(
            b => b.MapBackgroundCallback("whoami", (int? n, CallbackContext ctx) =>
                    $"{ctx.User.Identity!.IsAuthenticated}:{ctx.User.FindFirst(ClaimTypes.NameIdentifier)?.Value}")
                .Output("out", "children").Input("in", "value"),
            services: HeaderAuthenticationHandler.AddTo,
            pipeline: HeaderAuthenticationHandler.Use);
        using var alice = app.NewClient();
        using var anonymous = app.NewClient();
        alice.Http.DefaultRequestHeaders.Add("X-User", "alice");

        var aliceDone = await alice.WaitForEndAsync(await alice.StartAsync("whoami", In(1)));
        var anonymousDone = await anonymous.WaitForEndAsync(await anonymous.StartAsync("whoami", In(1)));

        Assert.Equal("True:alice", CallbackClient.Output(aliceDone, "out", "children").Str());
        Assert.Equal("False:", CallbackClient.Output(anonymousDone, "out", "children").Str());
    }

    [Fact]
    public async Task A_job_keeps_only_the_name_identifier_claim_unless_the_app_opts_into_more()
    {
        static Task<TestApp> Start(Action<BackgroundCallbacksOptions>? options) => TestApp.StartAsync(
            b => b.MapBackgroundCallback("claims", (int? n, CallbackContext ctx) =>
                    string.Join(",", ctx.User.Claims.Select(c => c.Type[(c.Type.LastIndexOf('/') + 1)..] + "=" + c.Value).Order(StringComparer.Ordinal)))
                .Output("out", "children").Input("in", "value"),
            options,
            services: HeaderAuthenticationHandler.AddTo,
            pipeline: HeaderAuthenticationHandler.Use);

        await using var byDefault = await Start(null);
        await using var optedIn = await Start(o => o.JobClaimTypes.Add(ClaimTypes.Email));
        var stored = new List<string>();
        var seen = new List<string>();
        foreach (var app in new[] { byDefault, optedIn })
        {
            using var alice = app.NewClient();
            alice.Http.DefaultRequestHeaders.Add("X-User", "alice");
            var handle = await alice.StartAsync("claims", In(1));
            seen.Add(CallbackClient.Output(await alice.WaitForEndAsync(handle), "out", "children").Str()!);
            var record = await app.Services.GetRequiredService<BackgroundCallbacks.Jobs.InMemoryJobStore>().GetRecordAsync(CallbackClient.JobId(handle), default);
            stored.Add(string.Join(",", record!.Claims.Select(c => c.Value).Order(StringComparer.Ordinal)));
        }

        Assert.Equal(["alice", "alice,alice@example.test"], stored);
        Assert.Equal(["nameidentifier=alice", "emailaddress=alice@example.test,nameidentifier=alice"], seen);
    }

    [Fact]
    public async Task The_job_store_keeps_a_digest_of_the_session_never_the_session_id_itself()
    {
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("echo", (int? n) => n).Output("out", "children").Input("in", "value"));
        var cookies = new CookieContainer();
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = app.Address };
        using var client = new CallbackClient(http);

        var handle = await client.StartAsync("echo", In(1));
        var session = cookies.GetCookies(app.Address)[".BackgroundCallbacks.Session"]!.Value;
        var store = app.Services.GetRequiredService<BackgroundCallbacks.Jobs.InMemoryJobStore>();
        var record = await store.GetRecordAsync(CallbackClient.JobId(handle), default);

        Assert.StartsWith("s:", record!.Owner);
        Assert.DoesNotContain(session, record.Owner);
        Assert.Equal("succeeded", (await client.WaitForEndAsync(handle)).Status());
    }

    [Fact]
    public async Task A_session_id_the_client_chose_is_replaced_and_gives_no_access_to_the_jobs_started_with_it()
    {
        var gate = new Gate();
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("slow", async (int? n, CancellationToken ct) => { await gate.PassAsync(ct); return n; })
            .Output("out", "children").Input("in", "value"));
        const string Chosen = ".BackgroundCallbacks.Session=QaChosenSessionId00000";
        using var victim = new CallbackClient(new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = app.Address });
        using var attacker = new CallbackClient(new HttpClient(new HttpClientHandler { UseCookies = false }) { BaseAddress = app.Address });
        victim.Http.DefaultRequestHeaders.Add("Cookie", Chosen);
        attacker.Http.DefaultRequestHeaders.Add("Cookie", Chosen);

        var (started, body) = await victim.InvokeAsync("slow", In(1));
        var handle = body["handle"].Str()!;
        var (attackerPoll, _) = await attacker.PollAsync(handle);

        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var issued = Assert.Single(started.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith(".BackgroundCallbacks.Session=", issued);
        Assert.DoesNotContain("QaChosenSessionId00000", issued);
        Assert.Equal(HttpStatusCode.NotFound, attackerPoll.StatusCode);
        gate.Open();
    }

    [Fact]
    public async Task A_session_cookie_the_server_issued_is_kept_and_not_issued_again()
    {
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("echo", (int? n) => n).Output("out", "children").Input("in", "value"));
        using var client = app.NewClient();

        var first = await client.Http.GetAsync("/_callbacks/dependencies");
        var second = await client.Http.GetAsync("/_callbacks/dependencies");
        var handle = await client.StartAsync("echo", In(1));

        Assert.Single(first.Headers.GetValues("Set-Cookie"));
        Assert.False(second.Headers.Contains("Set-Cookie"));
        Assert.Equal("succeeded", (await client.WaitForEndAsync(handle)).Status());
    }

    [Fact]
    public async Task The_session_cookie_is_scoped_to_the_apps_path_base()
    {
        await using var app = await TestApp.StartAsync(
            b => b.MapBackgroundCallback("echo", (int? n) => n).Output("out", "children").Input("in", "value"),
            pipeline: a => a.UsePathBase("/reports"));
        using var http = new HttpClient { BaseAddress = app.Address };

        var response = await http.GetAsync("/reports/_callbacks/dependencies");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"));
        Assert.Contains("path=/reports", cookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_signed_in_user_gets_no_session_cookie_unless_a_callback_caches_by_session()
    {
        await using var app = await TestApp.StartAsync(
            b =>
            {
                b.MapBackgroundCallback("echo", (int? n) => n).Output("out", "children").Input("in", "value");
                b.MapBackgroundCallback("per-session", (int? n) => n).Output("session-out", "children").Input("session-in", "value")
                    .Configure(c => c.CacheBy = [BuiltInCacheBy.Session]);
            },
            services: HeaderAuthenticationHandler.AddTo,
            pipeline: HeaderAuthenticationHandler.Use);
        using var alice = app.NewClient();
        alice.Http.DefaultRequestHeaders.Add("X-User", "alice");

        var map = await alice.Http.GetAsync("/_callbacks/dependencies");
        var (plain, plainBody) = await alice.InvokeAsync("echo", In(1));
        var (perSession, _) = await alice.InvokeAsync("per-session", [CallbackClient.Value("session-in", "value", 1)]);

        Assert.False(map.Headers.Contains("Set-Cookie"));
        Assert.False(plain.Headers.Contains("Set-Cookie"));
        Assert.Single(perSession.Headers.GetValues("Set-Cookie"));
        Assert.Equal("succeeded", (await alice.WaitForEndAsync(plainBody["handle"].Str()!)).Status());
    }
}
