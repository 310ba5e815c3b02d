using System.Net;
using BackgroundCallbacks.Tests.Infrastructure;

namespace BackgroundCallbacks.Tests;

public class SmokeTests
{
    [Fact]
    public async Task A_callback_runs_as_a_job_and_its_client_gets_the_result()
    {
        await using var app = await TestApp.StartAsync(b => b
            .MapBackgroundCallback("double", (int? n) => (n ?? 0) * 2)
            .Output("out", "children")
            .Input("in", "value"));
        using var client = app.NewClient();

        var handle = await client.StartAsync("double", [CallbackClient.Value("in", "value", 21)]);
        var done = await client.WaitForEndAsync(handle);

        Assert.Equal("succeeded", done["status"]!.GetValue<string>());
        Assert.Equal(42, CallbackClient.Output(done, "out", "children")!.GetValue<int>());
    }
}
