using System.Net;
using BackgroundCallbacks.Redis.Tests.Infrastructure;

namespace BackgroundCallbacks.Redis.Tests;

/// <summary>
/// Idempotency keys and cache eviction across real processes: two web processes (no workers) and one worker on one
/// redis-server. What one web process remembers or evicts, the other sees, because both live in the shared backend.
/// </summary>
public sealed class IdempotencyAndEvictionAcrossProcessesTests(MultiProcessFixture fixture) : IClassFixture<MultiProcessFixture>
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_retry_sent_to_another_web_process_with_the_same_key_gets_the_same_handle()
    {
        var n = Random.Shared.Next();
        var key = "order-" + n;
        using var browser = await new ProtocolClient().WithSessionAsync(fixture.WebA.Address!);

        // "wait" is not cached and runs until cancelled: without the key, a second POST would be a second job.
        var first = await browser.InvokeWithKeyAsync(fixture.WebA.Address!, key, "wait", "wait-in", "value", n);
        var retry = await browser.InvokeWithKeyAsync(fixture.WebB.Address!, key, "wait", "wait-in", "value", n);
        var reused = await browser.InvokeWithKeyAsync(fixture.WebB.Address!, key, "wait", "wait-in", "value", n + 1);

        Assert.Equal(HttpStatusCode.Accepted, first.Status);
        Assert.Equal(HttpStatusCode.Accepted, retry.Status);
        var handle = first.Body["handle"]!.GetValue<string>();
        Assert.Equal(handle, retry.Body["handle"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, reused.Status);
        Assert.Equal("idempotency-key-reused", reused.Body["reason"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.Accepted, (await browser.CancelAsync(fixture.WebB.Address!, handle)).Status);
    }

    [Fact]
    public async Task Another_owner_with_the_same_key_gets_a_job_of_its_own_on_either_process()
    {
        var n = Random.Shared.Next();
        var key = "order-" + n;
        using var alice = await new ProtocolClient().WithSessionAsync(fixture.WebA.Address!);
        using var bob = await new ProtocolClient().WithSessionAsync(fixture.WebB.Address!);

        var first = await alice.InvokeWithKeyAsync(fixture.WebA.Address!, key, "wait", "wait-in", "value", n);
        var other = await bob.InvokeWithKeyAsync(fixture.WebB.Address!, key, "wait", "wait-in", "value", n);

        Assert.Equal(HttpStatusCode.Accepted, first.Status);
        Assert.Equal(HttpStatusCode.Accepted, other.Status);
        Assert.NotEqual(first.Body["handle"]!.GetValue<string>(), other.Body["handle"]!.GetValue<string>());
        await alice.CancelAsync(fixture.WebA.Address!, first.Body["handle"]!.GetValue<string>());
        await bob.CancelAsync(fixture.WebB.Address!, other.Body["handle"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_callback_evicted_through_one_web_process_is_computed_again_when_the_other_is_asked()
    {
        var n = Random.Shared.Next(1, 40_000);
        using var browser = await new ProtocolClient().WithSessionAsync(fixture.WebA.Address!);
        using var admin = new HttpClient();
        admin.DefaultRequestHeaders.Add("X-Test-Admin", "yes");
        await RunAsync(browser, fixture.WebA.Address!, n);
        Assert.Equal(HttpStatusCode.OK, (await browser.InvokeAsync(fixture.WebB.Address!, "square", "square-in", "value", n)).Status);

        var evicted = await admin.DeleteAsync(new Uri(fixture.WebA.Address!, "/_admin/cache/callbacks/square"));

        Assert.Equal(HttpStatusCode.NoContent, evicted.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, await RunAsync(browser, fixture.WebB.Address!, n));
        Assert.Equal(HttpStatusCode.OK, (await browser.InvokeAsync(fixture.WebA.Address!, "square", "square-in", "value", n)).Status);
    }

    [Fact]
    public async Task Everything_evicted_through_one_web_process_is_computed_again_when_the_other_is_asked()
    {
        var n = Random.Shared.Next(1, 40_000);
        using var browser = await new ProtocolClient().WithSessionAsync(fixture.WebA.Address!);
        using var admin = new HttpClient();
        admin.DefaultRequestHeaders.Add("X-Test-Admin", "yes");
        await RunAsync(browser, fixture.WebB.Address!, n);
        Assert.Equal(HttpStatusCode.OK, (await browser.InvokeAsync(fixture.WebA.Address!, "square", "square-in", "value", n)).Status);

        var evicted = await admin.DeleteAsync(new Uri(fixture.WebB.Address!, "/_admin/cache"));

        Assert.Equal(HttpStatusCode.NoContent, evicted.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, await RunAsync(browser, fixture.WebA.Address!, n));
    }

    /// <summary>Invokes the cached "square" and, when it is a job, waits for it; returns the invocation's status.</summary>
    private static async Task<HttpStatusCode> RunAsync(ProtocolClient browser, Uri web, int n)
    {
        var (status, body, _) = await browser.InvokeAsync(web, "square", "square-in", "value", n);
        if (status == HttpStatusCode.Accepted)
        {
            var done = await browser.WaitForEndAsync(web, body["handle"]!.GetValue<string>(), JobTimeout);
            Assert.Equal("succeeded", done["status"]!.GetValue<string>());
        }

        return status;
    }
}
