using System.Diagnostics;
using System.Net;
using BackgroundCallbacks.Redis.Tests.Infrastructure;

namespace BackgroundCallbacks.Redis.Tests;

/// <summary>
/// Two worker processes with 500 workers each, one web process, one Redis: a thousand jobs all reach the end. (Many
/// workers once left jobs fetched by Hangfire but never started.)
/// </summary>
public sealed class ManyWorkersTests(ITestOutputHelper output) : IAsyncLifetime
{
    private Cluster _cluster = null!;

    public async Task InitializeAsync() => _cluster = await Cluster.StartAsync(webs: 1, workers: 2, workerSettings: ["--BackgroundCallbacks:WorkerCount=500"]);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task A_thousand_jobs_on_two_workers_of_five_hundred_workers_each_all_end_within_two_minutes()
    {
        var web = _cluster.Webs[0].Address!;
        using var browser = await new ProtocolClient().WithSessionAsync(web);
        var clock = Stopwatch.StartNew();
        using var throttle = new SemaphoreSlim(50);

        var handles = await Task.WhenAll(Enumerable.Range(0, 1000).Select(async i =>
        {
            await throttle.WaitAsync();
            try
            {
                try
                {
                    return await browser.StartAsync(web, "tiny", "tiny-in", "value", i);
                }
                catch (Exception e)
                {
                    // What the web process saw, since a refusal's body says only "unavailable".
                    var warnings = _cluster.Webs[0].Lines().Where(l => l.Contains("|Warning|", StringComparison.Ordinal) || l.Contains("|Error|", StringComparison.Ordinal)).TakeLast(5);
                    throw new InvalidOperationException(e.Message + Environment.NewLine + string.Join(Environment.NewLine, warnings), e);
                }
            }
            finally
            {
                throttle.Release();
            }
        }));
        var admitted = clock.Elapsed;
        var ended = await Task.WhenAll(handles.Select(async h =>
        {
            await throttle.WaitAsync();
            try
            {
                return await browser.WaitForEndAsync(web, h, TimeSpan.FromSeconds(120) - clock.Elapsed);
            }
            finally
            {
                throttle.Release();
            }
        }));
        output.WriteLine($"1000 jobs admitted in {admitted.TotalSeconds:F1} s; all ended after {clock.Elapsed.TotalSeconds:F1} s.");

        Assert.All(ended, e => Assert.Equal("succeeded", e["status"]!.GetValue<string>()));
        Assert.Equal(1000, handles.Distinct().Count());
    }
}
