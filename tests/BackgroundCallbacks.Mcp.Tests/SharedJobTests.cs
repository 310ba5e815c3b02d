using System.Net;
using System.Net.Http.Json;
using BackgroundCallbacks.Mcp.Tests.Infrastructure;

namespace BackgroundCallbacks.Mcp.Tests;

/// <summary>One invocation path: an agent and a browser asking the same question of a cached callback share one job.</summary>
[Collection(SampleCollection.Name)]
public sealed class SharedJobTests(SampleFixture sample)
{
    [Fact]
    public async Task A_tool_call_joins_the_job_a_browsers_identical_invocation_started()
    {
        var text = Reports.NewTitle("Shared job");
        using var http = new HttpClient { BaseAddress = sample.Server.Address };
        var invoked = await http.PostAsJsonAsync("/_callbacks/callbacks/ignore-by-name", new
        {
            inputs = new[] { new { id = "run-button-1", property = "n_clicks", value = (object?)3 } },
            state = new[] { new { id = "input-1", property = "value", value = (object?)text } },
            triggered = new[] { "run-button-1.n_clicks" },
        });
        Assert.Equal(HttpStatusCode.Accepted, invoked.StatusCode);
        var client = await sample.NewClientAsync();

        var result = await client.CallToolAsync("ignore-by-name", new Dictionary<string, object?> { ["value"] = text });

        Assert.Equal("joined", Reports.Source(result));
        Assert.Equal($"Result for '{text}'", result.StructuredContent!.Value.GetProperty("result-1.children").GetString());
    }
}
