using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BackgroundCallbacks.Redis.Connections;
using BackgroundCallbacks.Redis.Jobs;
using BackgroundCallbacks.Redis.Tests.Infrastructure;
using Microsoft.AspNetCore.Mvc;
using StackExchange.Redis;

namespace BackgroundCallbacks.Redis.Tests;

/// <summary>Request values on Redis: only the declared ones are written into the job, and the worker binds them.</summary>
public sealed class RedisRequestValueTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task Only_declared_request_values_are_stored_in_the_job_record_on_Redis_and_dropped_when_it_ends()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var app = await InProcessApp.StartAsync(fixture.Redis.ConnectionString, b => b
            .MapBackgroundCallback("greet", async ([FromHeader(Name = "Accept-Language")] string? language, int? n) =>
            {
                started.TrySetResult();
                await release.Task;
                return $"{language} {n}";
            })
            .Output("out", "children").Input("in", "value"));
        var cookies = new CookieContainer();
        cookies.Add(app.Address, new Cookie("secret", "s3cr3t-cookie"));
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = cookies }) { BaseAddress = app.Address };
        http.DefaultRequestHeaders.Add("Accept-Language", "de");
        http.DefaultRequestHeaders.Add("X-Private", "p4ssw0rd-header");
        var body = """{"inputs":[{"id":"in","property":"value","value":5}],"state":[],"triggered":[],"url":"http://pages.example/?token=u7l-secret"}""";

        var accepted = await http.PostAsync("/_callbacks/callbacks/greet", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var handle = JsonNode.Parse(await accepted.Content.ReadAsStringAsync())!["handle"]!.GetValue<string>();
        await started.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await using var redis = await ConnectionMultiplexer.ConnectAsync(fixture.Redis.ConnectionString);
        var job = new RedisKeys(new RedisCallbacksOptions().KeyPrefix).Job(handle.Split('.')[1]);

        // While it runs: the declared value, and nothing else of the request, is in the job.
        var fields = await redis.GetDatabase().HashGetAllAsync(job);
        AssertNoSecrets(fields);
        var record = JobRecordCodec.Decode("job", (byte[])fields.Single(f => f.Name == "r").Value!, (byte[])fields.Single(f => f.Name == "args").Value!);
        Assert.Equal("""[["de"]]""", record.RequestValuesJson);

        // Once it has ended, not even that: the job keeps its outputs, not what its run read.
        release.SetResult();
        Assert.Equal("de 5", await ResultAsync(http, handle));
        var ended = await redis.GetDatabase().HashGetAllAsync(job);
        AssertNoSecrets(ended);
        Assert.DoesNotContain(ended, f => f.Name == "args");
        Assert.DoesNotContain(ended, f => ((string?)f.Value ?? "").Contains("\"de\"", StringComparison.Ordinal) && f.Name != "o");
    }

    private static void AssertNoSecrets(HashEntry[] fields)
    {
        var stored = string.Join("\n", fields.Select(f => $"{f.Name}={f.Value}"));
        Assert.DoesNotContain("s3cr3t", stored);
        Assert.DoesNotContain("p4ssw0rd", stored);
        Assert.DoesNotContain("u7l-secret", stored);
    }

    private static async Task<string> ResultAsync(HttpClient http, string handle)
    {
        long after = 0;
        while (true)
        {
            var job = JsonNode.Parse(await http.GetStringAsync($"/_callbacks/jobs/{handle}?after={after}&wait=10000"))!;
            after = job["version"]!.GetValue<long>();
            var status = job["status"]!.GetValue<string>();
            if (status is "succeeded")
            {
                return ProtocolClient.Value(job.AsObject(), "out", "children")!.GetValue<string>();
            }

            Assert.True(status is "queued" or "running", $"The job ended {status}: {job.ToJsonString()}");
        }
    }
}
