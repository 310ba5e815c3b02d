using BackgroundCallbacks.Tests.Infrastructure;

namespace BackgroundCallbacks.Tests;

public class ErrorTests
{
    private static object[] In(object? value) => [CallbackClient.Value("in", "value", value)];

    private static Func<int?, string> Failing(string message) => n => throw new InvalidOperationException(message);

    [Fact]
    public async Task A_handler_exception_fails_the_job_with_its_message_in_Development_and_the_worker_survives()
    {
        await using var app = await TestApp.StartAsync(
            b =>
            {
                b.MapBackgroundCallback("broken", Failing("disk full")).Output("out", "children", allowDuplicate: true).Input("in", "value");
                b.MapBackgroundCallback("async-broken", new Func<int?, Task<string>>(async n => { await Task.Yield(); throw new InvalidOperationException("async boom"); }))
                    .Output("out", "children", allowDuplicate: true).Input("in", "value");
                b.MapBackgroundCallback("fine", (int? n) => "fine").Output("out", "children", allowDuplicate: true).Input("in", "value");
            },
            o => o.WorkerCount = 1);
        using var client = app.NewClient();

        var failed = await client.WaitForEndAsync(await client.StartAsync("broken", In(1)));
        var asyncFailed = await client.WaitForEndAsync(await client.StartAsync("async-broken", In(1)));
        var next = await client.WaitForEndAsync(await client.StartAsync("fine", In(1)));

        Assert.Equal("failed", failed.Status());
        Assert.Equal("disk full", failed["error"].Str());
        Assert.Equal("async boom", asyncFailed["error"].Str());
        Assert.Equal("succeeded", next.Status());
    }

    [Fact]
    public async Task Outside_Development_the_client_gets_a_generic_message()
    {
        await using var app = await TestApp.StartAsync(
            b => b.MapBackgroundCallback("broken", Failing("connection string Password=hunter2")).Output("out", "children").Input("in", "value"),
            environment: "Production");
        using var client = app.NewClient();

        var failed = await client.WaitForEndAsync(await client.StartAsync("broken", In(1)));

        Assert.Equal("failed", failed.Status());
        Assert.DoesNotContain("hunter2", failed["error"].Str());
        Assert.False(string.IsNullOrWhiteSpace(failed["error"].Str()));
    }

    [Fact]
    public async Task A_callbacks_OnError_turns_the_exception_into_outputs_that_are_not_cached()
    {
        await using var app = await TestApp.StartAsync(
            b => b.MapBackgroundCallback("broken", Failing("disk full")).Output("out", "children").Input("in", "value")
                .OnError((e, ctx) => $"Sorry: {e.Message}"),
            o => o.CacheBy = []);
        using var client = app.NewClient();

        var done = await client.WaitForEndAsync(await client.StartAsync("broken", In(1)));

        Assert.Equal("succeeded", done.Status());
        Assert.Equal("Sorry: disk full", CallbackClient.Output(done, "out", "children").Str());
        Assert.Equal(System.Net.HttpStatusCode.Accepted, (await client.InvokeAsync("broken", In(1))).Response.StatusCode);
    }

    [Fact]
    public async Task The_app_wide_OnError_serves_callbacks_without_their_own()
    {
        await using var app = await TestApp.StartAsync(
            b =>
            {
                b.MapBackgroundCallback("plain", Failing("x")).Output("out", "children", allowDuplicate: true).Input("in", "value");
                b.MapBackgroundCallback("own", Failing("y")).Output("out", "children", allowDuplicate: true).Input("in", "value").OnError((e, _) => "own handler");
            },
            o => o.OnError = (e, ctx) => $"app-wide for {ctx.CallbackId}");
        using var client = app.NewClient();

        var plain = await client.WaitForEndAsync(await client.StartAsync("plain", In(1)));
        var own = await client.WaitForEndAsync(await client.StartAsync("own", In(1)));

        Assert.Equal("app-wide for plain", CallbackClient.Output(plain, "out", "children").Str());
        Assert.Equal("own handler", CallbackClient.Output(own, "out", "children").Str());
    }

    [Fact]
    public async Task An_OnError_that_throws_fails_the_job()
    {
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("broken", Failing("first")).Output("out", "children").Input("in", "value")
            .OnError((e, _) => throw new InvalidOperationException("handler of errors failed")));
        using var client = app.NewClient();

        var done = await client.WaitForEndAsync(await client.StartAsync("broken", In(1)));

        Assert.Equal("failed", done.Status());
        Assert.Equal("handler of errors failed", done["error"].Str());
    }

    [Fact]
    public async Task A_handler_returning_the_wrong_number_of_outputs_fails_the_job_clearly()
    {
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("short", (int? n) => new object?[] { "only one" })
            .Output("a", "children").Output("b", "children").Input("in", "value"));
        using var client = app.NewClient();

        var done = await client.WaitForEndAsync(await client.StartAsync("short", In(1)));

        Assert.Equal("failed", done.Status());
        Assert.Contains("2", done["error"].Str());
    }
}
