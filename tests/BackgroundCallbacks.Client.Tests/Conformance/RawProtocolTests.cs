using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using BackgroundCallbacks.Client.Tests.Infrastructure;

namespace BackgroundCallbacks.Client.Tests.Conformance;

/// <summary>
/// The same scenarios as the client's tests, spoken in plain HTTP from docs/protocol.md against the sample: a bug the
/// client and the server shared would pass the client's tests, and fails these.
/// </summary>
[Collection(SampleCollection.Name)]
public sealed class RawProtocolTests(SampleFixture sample)
{
    private const string Prefix = "/_callbacks";

    [Fact]
    public async Task The_first_answer_issues_an_HttpOnly_session_cookie()
    {
        var http = sample.NewHttpClient();

        using var response = await http.GetAsync($"{Prefix}/dependencies");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith(".BackgroundCallbacks.Session=", StringComparison.Ordinal));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
        var map = await Json(response);
        Assert.Equal(1, map["protocol"]!.GetValue<int>());
        Assert.Contains(map["callbacks"]!.AsArray(), c => c!["id"]!.GetValue<string>() == "labs-chart");
    }

    [Fact]
    public async Task An_invocation_answers_202_and_long_polls_bring_progress_side_updates_and_the_result()
    {
        var http = sample.NewHttpClient();

        using var accepted = await Invoke(http, "labs-chart", "labs-run", 1);

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var body = await Json(accepted);
        var handle = body["handle"]!.GetValue<string>();
        var parts = handle.Split('.');
        Assert.Equal(3, parts.Length);
        Assert.Equal(22, parts[0].Length);
        Assert.Equal(22, parts[1].Length);
        Assert.Equal("default", parts[2]);
        Assert.Equal($"{Prefix}/jobs/{handle}", accepted.Headers.Location!.OriginalString);
        Assert.Equal($"{Prefix}/jobs/{handle}", body["location"]!.GetValue<string>());
        Assert.Equal(TimeSpan.FromSeconds(1), accepted.Headers.RetryAfter!.Delta);
        Assert.Equal("queued", body["status"]!.GetValue<string>());
        Assert.False(body["joined"]!.GetValue<bool>());

        var polls = await PollToEnd(http, handle);

        var last = polls[^1];
        Assert.Equal("succeeded", last["status"]!.GetValue<string>());
        Assert.Equal("Clicked 1 times", Value(last["outputs"], "labs-paragraph", "children")!.GetValue<string>());
        Assert.Contains(polls, p => p["progress"] is JsonArray);
        var log = polls.SelectMany(p => p["sideUpdates"]?.AsArray() ?? [])
            .Where(u => u!["id"]!.GetValue<string>() == "labs-log")
            .Select(u => u!["props"]!["children"]!.GetValue<string>()).ToList();
        Assert.Equal(Enumerable.Range(1, 10).Select(i => $"Step {i} of 10 done"), log);
    }

    [Fact]
    public async Task A_cache_hit_answers_200_with_its_outputs_and_no_handle()
    {
        var clicks = Random.Shared.Next(1_000_000, 2_000_000);
        var first = sample.NewHttpClient();
        using var accepted = await Invoke(first, "cache", "cache-run", clicks);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        await PollToEnd(first, (await Json(accepted))["handle"]!.GetValue<string>());

        using var hit = await Invoke(sample.NewHttpClient(), "cache", "cache-run", clicks);

        Assert.Equal(HttpStatusCode.OK, hit.StatusCode);
        var body = await Json(hit);
        Assert.Equal("succeeded", body["status"]!.GetValue<string>());
        Assert.True(body["cached"]!.GetValue<bool>());
        Assert.Null(body["handle"]);
        Assert.Equal($"Clicked {clicks} times", Value(body["outputs"], "cache-paragraph", "children")!.GetValue<string>());
    }

    [Fact]
    public async Task Delete_answers_202_with_the_handle_canceled_as_requested()
    {
        var http = sample.NewHttpClient();
        using var accepted = await Invoke(http, "cancel", "cancel-run", 1);
        var handle = (await Json(accepted))["handle"]!.GetValue<string>();

        using var deleted = await http.DeleteAsync($"{Prefix}/jobs/{handle}");

        Assert.Equal(HttpStatusCode.Accepted, deleted.StatusCode);
        var body = await Json(deleted);
        Assert.Equal("canceled", body["status"]!.GetValue<string>());
        Assert.Equal("requested", body["cancelReason"]!.GetValue<string>());
        using var again = await http.GetAsync($"{Prefix}/jobs/{handle}");
        Assert.Equal("canceled", (await Json(again))["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_string_for_an_integer_is_a_400_problem_document()
    {
        using var response = await Invoke(sample.NewHttpClient(), "basic", "basic-run", "seven");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = await Json(response);
        Assert.Equal(400, problem["status"]!.GetValue<int>());
        Assert.False(string.IsNullOrEmpty(problem["title"]?.GetValue<string>()));
    }

    [Fact]
    public async Task Another_sessions_handle_answers_404_to_get_delete_and_the_stream()
    {
        var owner = sample.NewHttpClient();
        var other = sample.NewHttpClient();
        using var accepted = await Invoke(owner, "basic", "basic-run", 1);
        var handle = (await Json(accepted))["handle"]!.GetValue<string>();

        using var get = await other.GetAsync($"{Prefix}/jobs/{handle}");
        using var delete = await other.DeleteAsync($"{Prefix}/jobs/{handle}");
        using var stream = await EventStreamReader.OpenAsync(other, $"{Prefix}/events?jobs={handle}");
        var events = await ReadToEnd(stream);

        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Equal("application/problem+json", get.Content.Headers.ContentType!.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, delete.StatusCode);
        var error = Assert.Single(events, e => e.Event == "job-error");
        Assert.Equal(404, JsonNode.Parse(error.Data!)!["status"]!.GetValue<int>());
        Assert.Equal("end", events[^1].Event);
        var polls = await PollToEnd(owner, handle);
        Assert.Equal("succeeded", polls[^1]["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_event_stream_sends_job_events_to_the_result_then_end()
    {
        var http = sample.NewHttpClient();
        using var accepted = await Invoke(http, "progress", "progress-run", 1);
        var handle = (await Json(accepted))["handle"]!.GetValue<string>();

        using var stream = await EventStreamReader.OpenAsync(http, $"{Prefix}/events?jobs={handle}");
        var events = await ReadToEnd(stream);

        Assert.Equal(HttpStatusCode.OK, stream.Response.StatusCode);
        Assert.Equal("text/event-stream", stream.Response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("2000", events[0].Retry);
        var jobs = events.Where(e => e.Event == "job").Select(e => JsonNode.Parse(e.Data!)!).ToList();
        Assert.All(jobs, j => Assert.Equal(handle, j["handle"]!.GetValue<string>()));
        Assert.Equal("succeeded", jobs[^1]["status"]!.GetValue<string>());
        Assert.Equal("Clicked 1 times", Value(jobs[^1]["outputs"], "progress-paragraph", "children")!.GetValue<string>());
        Assert.Equal(jobs[^1]["version"]!.GetValue<long>().ToString(System.Globalization.CultureInfo.InvariantCulture), events.Last(e => e.Event == "job").Id);
        Assert.Equal("end", events[^1].Event);
    }

    private static async Task<HttpResponseMessage> Invoke(HttpClient http, string callbackId, string inputId, object value)
    {
        var body = new JsonObject
        {
            ["inputs"] = new JsonArray(new JsonObject { ["id"] = inputId, ["property"] = "n_clicks", ["value"] = JsonValue.Create(value) }),
            ["state"] = new JsonArray(),
            ["triggered"] = new JsonArray(inputId + ".n_clicks"),
        };
        var content = new StringContent(body.ToJsonString(), Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return await http.PostAsync($"{Prefix}/callbacks/{callbackId}", content);
    }

    /// <summary>Long-polls with <c>after</c> and <c>wait</c> until the status is final; returns every answer that brought news.</summary>
    private static async Task<List<JsonObject>> PollToEnd(HttpClient http, string handle)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        var polls = new List<JsonObject>();
        long after = 0;
        while (DateTime.UtcNow < deadline)
        {
            using var response = await http.GetAsync($"{Prefix}/jobs/{handle}?after={after}&wait=5000");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await Json(response);
            var version = body["version"]!.GetValue<long>();
            var status = body["status"]!.GetValue<string>();
            if (version > after || status is "succeeded" or "failed" or "canceled")
            {
                polls.Add(body);
            }

            if (status is "succeeded" or "failed" or "canceled")
            {
                return polls;
            }

            after = Math.Max(after, version);
        }

        throw new TimeoutException($"Job {handle} did not end in time.");
    }

    private static async Task<List<ServerSentEvent>> ReadToEnd(EventStreamReader stream)
    {
        var events = new List<ServerSentEvent>();
        while (await stream.NextAsync(TimeSpan.FromSeconds(60)) is { } next)
        {
            events.Add(next);
            if (next.Event == "end")
            {
                break;
            }
        }

        return events;
    }

    private static async Task<JsonObject> Json(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();

    private static JsonNode? Value(JsonNode? list, string id, string property) =>
        list?.AsArray().FirstOrDefault(v => v!["id"]!.GetValue<string>() == id && v["property"]!.GetValue<string>() == property)?["value"];
}
