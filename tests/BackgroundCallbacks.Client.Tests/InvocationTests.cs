using System.Net;
using BackgroundCallbacks.Client.Tests.Infrastructure;

namespace BackgroundCallbacks.Client.Tests;

/// <summary>The .NET client against the sample, run as its own process: invoking, following, results.</summary>
[Collection(SampleCollection.Name)]
public sealed class InvocationTests(SampleFixture sample)
{
    [Theory]
    [InlineData(CallbackTransport.LongPoll)]
    [InlineData(CallbackTransport.EventStream)]
    public async Task Invoke_follows_progress_and_side_updates_to_the_result(CallbackTransport transport)
    {
        var client = sample.NewClient(o => o.Transport = transport);

        var invocation = await client.InvokeAsync("labs-chart", [1]);
        Assert.Equal(HttpStatusCode.Accepted, invocation.StatusCode);
        Assert.NotNull(invocation.Handle);
        Assert.Equal(JobStatus.Queued, invocation.State.Status);
        Assert.Contains(invocation.ProgressDefault, p => p.Is("labs-graph", "figure"));

        var updates = await Follow.AllAsync(invocation.FollowAsync());

        var last = updates[^1];
        Assert.Equal(JobStatus.Succeeded, last.Status);
        Assert.Equal("Clicked 1 times", last.GetOutput<string>("labs-paragraph", "children"));
        Assert.All(updates[..^1], u => Assert.False(u.IsFinal));
        Assert.Contains(updates, u => u.Progress?.Any(p => p.Is("labs-graph", "figure")) == true);
        // Each update brings only what is newer than the one before: every step's log line arrives once, in order.
        var log = updates.SelectMany(u => u.SideUpdates).Where(s => s.Id.GetString() == "labs-log")
            .Select(s => s.Props.GetProperty("children").GetString()).ToList();
        Assert.Equal(Enumerable.Range(1, 10).Select(i => $"Step {i} of 10 done"), log);
    }

    [Fact]
    public async Task A_cached_result_is_answered_with_200_and_no_job()
    {
        // The sample's "cache" callback shares its results between sessions; a value no other test sends is a miss first.
        var clicks = Random.Shared.Next(1_000, 1_000_000);
        var first = await sample.NewClient().InvokeAsync("cache", [clicks]);
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        var computed = await first.GetResultAsync();
        Assert.Equal(JobStatus.Succeeded, computed.Status);

        var second = await sample.NewClient().InvokeAsync("cache", [clicks]);

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Null(second.Handle);
        Assert.True(second.State.Cached);
        Assert.True(second.State.IsFinal);
        Assert.Equal($"Clicked {clicks} times", second.State.GetOutput<string>("cache-paragraph", "children"));
        Assert.Equal(clicks % 4, second.State.GetOutput<int>("cache-run", "n_clicks"));
        var followed = Assert.Single(await Follow.AllAsync(second.FollowAsync()));
        Assert.Same(second.State, followed);
        Assert.Same(second.State, await second.GetResultAsync());
    }

    [Fact]
    public async Task Invoke_by_component_id_and_property_names_each_value()
    {
        var client = sample.NewClient();

        var invocation = await client.InvokeAsync("basic", new CallbackRequest
        {
            Inputs = [new CallbackValue("basic-run", "n_clicks", 4)],
            Triggered = ["basic-run.n_clicks"],
            Page = "dotnet-client-test",
        });

        var result = await invocation.GetResultAsync();
        Assert.Equal(JobStatus.Succeeded, result.Status);
        Assert.Equal("Clicked 4 times", result.GetOutput<string>("basic-paragraph", "children"));
    }

    [Fact]
    public async Task A_waiting_job_reports_its_place_in_line()
    {
        // The sample runs one "queue-job" at a time: of three rows started at once, the last waits behind the others.
        var client = sample.NewClient();
        await client.GetDependenciesAsync();
        var rows = new List<CallbackInvocation>();
        for (var index = 1; index <= 3; index++)
        {
            rows.Add(await client.InvokeAsync("queue-job", new CallbackRequest
            {
                Inputs = [new CallbackValue(new { index, type = "queue-start" }, "n_clicks", 1)],
                Triggered = [$$"""{"index":{{index}},"type":"queue-start"}.n_clicks"""],
            }));
        }

        var updates = await Follow.AllAsync(rows[2].FollowAsync());

        Assert.Contains(updates, u => u.Status == JobStatus.Queued && u.Position is >= 0);
        Assert.Equal(JobStatus.Succeeded, updates[^1].Status);
        Assert.Equal("Job 3 done (run 1)", updates[^1].Outputs!.Single().GetValue<string>());
        await Task.WhenAll(rows.Take(2).Select(r => r.GetResultAsync()));
    }

    [Fact]
    public async Task A_failed_job_ends_with_its_error()
    {
        var result = await (await sample.NewClient().InvokeAsync("failing", [1])).GetResultAsync();

        Assert.Equal(JobStatus.Failed, result.Status);
        Assert.Contains("data source is offline", result.Error);
        Assert.Null(result.Outputs);
    }

    [Fact]
    public async Task Positional_values_must_match_the_declared_inputs_and_state()
    {
        var client = sample.NewClient();

        var tooMany = await Assert.ThrowsAsync<ArgumentException>(() => client.InvokeAsync("basic", [1, 2]));
        Assert.Contains("1 input and 0 state values", tooMany.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => client.InvokeAsync("no-such-callback", [1]));
        var pattern = await Assert.ThrowsAsync<ArgumentException>(() => client.InvokeAsync("queue-job", [1]));
        Assert.Contains("pattern-matching", pattern.Message);
    }
}
