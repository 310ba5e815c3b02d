using System.Net;
using BackgroundCallbacks.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace BackgroundCallbacks.Tests;

public sealed class InlineCallbackTests
{
    private static object[] In(object? value) => [CallbackClient.Value("in", "value", value)];

    private static long JobCount(TestApp app)
    {
        var stats = app.HangfireStorage().GetMonitoringApi().GetStatistics();
        return stats.Enqueued + stats.Processing + stats.Succeeded + stats.Failed + stats.Deleted + stats.Scheduled;
    }

    [Fact]
    public async Task An_inline_callback_answers_200_with_its_outputs_and_makes_no_job()
    {
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("square", (int? n) => $"{n * n}").Output("out", "children").Input("in", "value")
            .Configure(c => c.Inline = true));
        using var client = app.NewClient();

        var (response, body) = await client.InvokeAsync("square", In(7));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("succeeded", body.Status());
        Assert.True(body["inline"]!.GetValue<bool>());
        Assert.Null(body["handle"]);
        Assert.Equal("49", CallbackClient.Output(body, "out", "children").Str());
        Assert.Equal(0, JobCount(app));
    }

    [Fact]
    public async Task An_inline_callback_runs_in_the_requests_scope_with_its_services()
    {
        await using var app = await TestApp.StartAsync(
            b => b.MapBackgroundCallback("who", (int? n, CallbackContext context) =>
                    context.Services.GetRequiredService<IHttpContextAccessor>().HttpContext is { } http && ReferenceEquals(http.RequestServices, context.Services)
                        ? http.Request.Path.Value
                        : "another scope")
                .Output("out", "children").Input("in", "value").Configure(c => c.Inline = true),
            services: s => s.AddHttpContextAccessor());
        using var client = app.NewClient();

        var (_, body) = await client.InvokeAsync("who", In(1));

        Assert.Equal("/_callbacks/callbacks/who", CallbackClient.Output(body, "out", "children").Str());
    }

    [Fact]
    public async Task A_cached_inline_callback_answers_from_the_cache_by_key()
    {
        var calls = 0;
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("square", (int? n) => { Interlocked.Increment(ref calls); return $"{n * n}"; })
            .Output("out", "children").Input("in", "value")
            .Configure(c => { c.Inline = true; c.CacheBy = []; }));
        using var client = app.NewClient();

        await client.InvokeAsync("square", In(7));
        var (response, body) = await client.InvokeAsync("square", In(7));
        await client.InvokeAsync("square", In(8));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(body["cached"]!.GetValue<bool>());
        Assert.Equal("49", CallbackClient.Output(body, "out", "children").Str());
        Assert.Equal(2, Volatile.Read(ref calls));
    }

    [Fact]
    public async Task A_failing_inline_callback_answers_failed_with_its_error_not_a_5xx()
    {
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("boom", (int? n) => n > 0 ? throw new InvalidOperationException("no rows for this query") : "ok")
            .Output("out", "children").Input("in", "value").Configure(c => c.Inline = true));
        using var client = app.NewClient();

        var (response, body) = await client.InvokeAsync("boom", In(1));
        var (after, afterBody) = await client.InvokeAsync("boom", In(0));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("failed", body.Status());
        Assert.Equal("no rows for this query", body["error"].Str());
        Assert.Null(body["outputs"]);
        Assert.Equal("ok", CallbackClient.Output(afterBody, "out", "children").Str());
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task An_inline_failure_in_production_hides_its_message_and_an_error_handler_can_answer_instead()
    {
        await using var app = await TestApp.StartAsync(
            b =>
            {
                b.MapBackgroundCallback("boom", (int? n) => n > 0 ? throw new InvalidOperationException("secret detail") : "ok")
                    .Output("out", "children").Input("in", "value").Configure(c => c.Inline = true);
                b.MapBackgroundCallback("handled", (int? n) => n > 0 ? throw new InvalidOperationException("secret detail") : "ok")
                    .Output("out2", "children").Input("in2", "value").Configure(c => c.Inline = true)
                    .OnError((e, context) => "Something went wrong");
            },
            environment: "Production");
        using var client = app.NewClient();

        var (_, failed) = await client.InvokeAsync("boom", In(1));
        var (_, handled) = await client.InvokeAsync("handled", [CallbackClient.Value("in2", "value", 1)]);

        Assert.DoesNotContain("secret", failed["error"].Str());
        Assert.Equal("succeeded", handled.Status());
        Assert.Equal("Something went wrong", CallbackClient.Output(handled, "out2", "children").Str());
    }

    [Fact]
    public async Task An_inline_callbacks_SetProps_calls_come_with_its_outputs_in_order()
    {
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("props", (int? n, CallbackContext context) =>
            {
                context.SetProps("a", new { children = "first" });
                context.SetProps("b", new { hidden = true });
                return "done";
            })
            .Output("out", "children").Input("in", "value").Configure(c => c.Inline = true));
        using var client = app.NewClient();

        var (_, body) = await client.InvokeAsync("props", In(1));

        var updates = body["sideUpdates"]!.AsArray();
        Assert.Equal(["a", "b"], updates.Select(u => u!["id"].Str()));
        Assert.Equal("first", updates[0]!["props"]!["children"].Str());
        Assert.Equal("done", CallbackClient.Output(body, "out", "children").Str());
    }

    [Fact]
    public async Task A_prevented_update_answers_succeeded_with_no_outputs()
    {
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("skip", (int? n) => n is null ? throw new PreventUpdateException() : "x")
            .Output("out", "children").Input("in", "value").Configure(c => c.Inline = true));
        using var client = app.NewClient();

        var (_, body) = await client.InvokeAsync("skip", In(null));

        Assert.Equal("succeeded", body.Status());
        Assert.Empty(body["outputs"]!.AsArray());
    }

    [Fact]
    public async Task Inline_callbacks_make_and_read_server_side_values_as_background_ones_do()
    {
        await using var app = await TestApp.StartAsync(b =>
        {
            b.MapBackgroundCallback("query", (int? rows) => Enumerable.Range(0, rows ?? 0).Select(i => i * 0.5).ToArray())
                .ServerSideOutput("store", "data").Input("rows", "value").Configure(c => c.Inline = true);
            b.MapBackgroundCallback("graph", (double[]? data) => $"{data?.Length} points, max {data?.Max()}")
                .Output("graph", "children").Input("store", "data").Configure(c => c.Inline = true);
            b.MapBackgroundCallback("slow-graph", (int? clicks, double[]? data) => $"{data?.Sum()}")
                .Output("slow", "children").State("store", "data").Input("go", "n_clicks");
        });
        using var client = app.NewClient();

        var (_, query) = await client.InvokeAsync("query", [CallbackClient.Value("rows", "value", 1000)]);
        var reference = CallbackClient.Output(query, "store", "data");
        var (_, graph) = await client.InvokeAsync("graph", [CallbackClient.Value("store", "data", reference!.DeepClone())]);
        var slow = await client.WaitForEndAsync(await client.StartAsync("slow-graph",
            [CallbackClient.Value("go", "n_clicks", 1)], [CallbackClient.Value("store", "data", reference.DeepClone())]));

        Assert.StartsWith("bcref:", reference.Str());
        Assert.Equal("1000 points, max 499.5", CallbackClient.Output(graph, "graph", "children").Str());
        Assert.Equal("249750", CallbackClient.Output(slow, "slow", "children").Str());
    }

    [Fact]
    public async Task Progress_and_retries_on_an_inline_callback_stop_the_app_at_startup()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(async () => await (await TestApp.StartAsync(b =>
        {
            b.MapBackgroundCallback("with-progress", (int? n, IProgress<int> progress) => "x")
                .Output("out", "children").Input("in", "value").Progress("bar", "value").Configure(c => c.Inline = true);
            b.MapBackgroundCallback("with-retries", (int? n) => "x")
                .Output("out2", "children").Input("in", "value").Configure(c => { c.Inline = true; c.Retries = 2; });
        })).DisposeAsync());

        Assert.Contains("it runs inline, so it has no job to report progress from or to cancel", error.Message);
        Assert.Contains("it runs inline, in the request, so it cannot be retried later", error.Message);
    }

    [Fact]
    public async Task An_inline_callback_sets_a_cookie_and_a_header_that_a_background_callback_reads_in_a_later_request()
    {
        await using var app = await TestApp.StartAsync(b =>
        {
            b.MapBackgroundCallback("choose-theme", (string? theme, IResponseCookies cookies, HttpResponse response) =>
                {
                    cookies.Append("theme", theme ?? "light", new CookieOptions { Path = "/", HttpOnly = true });
                    response.Headers["X-Theme"] = theme;
                    return $"theme set to {theme}";
                })
                .Output("chosen", "children").Input("theme", "value").Configure(c => c.Inline = true);
            b.MapBackgroundCallback("render", (int? clicks, [FromCookie("theme")] string? theme) => $"rendered in {theme}")
                .Output("report", "children").Input("render", "n_clicks");
        });
        using var client = app.NewClient();

        var (response, body) = await client.InvokeAsync("choose-theme", [CallbackClient.Value("theme", "value", "dark")]);
        var done = await client.WaitForEndAsync(await client.StartAsync("render", [CallbackClient.Value("render", "n_clicks", 1)]));

        Assert.Equal("theme set to dark", CallbackClient.Output(body, "chosen", "children").Str());
        Assert.Equal("dark", Assert.Single(response.Headers.GetValues("X-Theme")));
        Assert.Contains(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("theme=dark", StringComparison.Ordinal));
        Assert.Equal("rendered in dark", CallbackClient.Output(done, "report", "children").Str());
    }
}
