using System.Diagnostics;
using System.Globalization;
using System.Net;
using BackgroundCallbacks.Redis.Tests.Infrastructure;
using StackExchange.Redis;

namespace BackgroundCallbacks.Redis.Tests;

/// <summary>
/// Two web processes (no workers) and two worker processes on one redis-server; worker A serves only queue "a", where
/// the test host's producers run, and worker B only queue "b", where its consumers run. So every value here is written
/// by one process, checked at the door by another and read by a third.
/// </summary>
public sealed class ServerSideFixture : IAsyncLifetime
{
    /// <summary>The test host's switch for the callbacks and stores of these tests; every process of the fixture has it.</summary>
    public const string ServerSide = "--TestHost:ServerSide=true";

    public Cluster Cluster { get; private set; } = null!;

    public HostProcess WebA => Cluster.Webs[0];

    public HostProcess WebB => Cluster.Webs[1];

    public HostProcess WorkerA { get; private set; } = null!;

    public HostProcess WorkerB { get; private set; } = null!;

    /// <summary>The test's own connection to the cluster's Redis.</summary>
    public IDatabase Db => _inspector!.GetDatabase();

    public IServer Server => _inspector!.GetServers()[0];

    private ConnectionMultiplexer? _inspector;

    public async Task InitializeAsync()
    {
        Cluster = await Cluster.StartAsync(webs: 0, workers: 0);
        // Debug events name each job a worker starts: the test reads who ran what from them.
        var a = Cluster.StartWorkerAsync(ServerSide, "--TestHost:Queues=a", "--TestHost:DebugLog=true");
        var b = Cluster.StartWorkerAsync(ServerSide, "--TestHost:Queues=b", "--TestHost:DebugLog=true");
        await Task.WhenAll(Cluster.StartWebAsync(ServerSide), Cluster.StartWebAsync(ServerSide), a, b);
        WorkerA = await a;
        WorkerB = await b;
        _inspector = await ConnectionMultiplexer.ConnectAsync(Cluster.Redis.ConnectionString + ",allowAdmin=true");
    }

    public async Task DisposeAsync()
    {
        if (_inspector is not null)
        {
            await _inspector.DisposeAsync();
        }

        await Cluster.DisposeAsync();
    }
}

public sealed class ServerSideAcrossProcessesTests(ServerSideFixture fixture, ITestOutputHelper output) : IClassFixture<ServerSideFixture>
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromSeconds(60);

    private const long MiB = 1024 * 1024;

    [Fact]
    public async Task A_value_written_by_one_worker_process_is_read_by_another()
    {
        using var browser = new ProtocolClient();

        var made = await RunAsync(browser, fixture.WebA.Address!, "rows-make", "rows-in", "value", 1000);
        var reference = ProtocolClient.Value(made.Body, "rows", "data")!.GetValue<string>();
        var summed = await RunAsync(browser, fixture.WebA.Address!, "rows-sum", "rows", "data", reference);

        Assert.StartsWith("bcref:default:", reference);
        Assert.Equal($"1000 rows, sum 500500@{fixture.WorkerB.Pid}", ProtocolClient.Value(summed.Body, "rows-sum-out", "children")!.GetValue<string>());
        await AssertRanOnlyOnAsync(fixture.WorkerA, fixture.WorkerB, made.JobId, "rows-make");
        await AssertRanOnlyOnAsync(fixture.WorkerB, fixture.WorkerA, summed.JobId, "rows-sum");
        Assert.Contains("QUEUES|a", fixture.WorkerA.Lines());
        Assert.Contains("QUEUES|b", fixture.WorkerB.Lines());
    }

    [Fact]
    public async Task A_file_uploaded_through_one_web_process_is_read_by_a_worker_and_stored_once()
    {
        using var browser = new ProtocolClient();
        var bytes = new byte[3 * MiB + 17];
        new Random(4).NextBytes(bytes);
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));

        var (status, file) = await browser.UploadAsync(fixture.WebA.Address!, "data.bin", bytes, "application/octet-stream");
        var (again, second) = await browser.UploadAsync(fixture.WebB.Address!, "data.bin", bytes, "application/octet-stream");
        var reference = file["reference"]!.GetValue<string>();
        var digest = await RunAsync(browser, fixture.WebB.Address!, "file-digest", "upload", "files", reference);

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(HttpStatusCode.Created, again);
        Assert.Equal(reference, second["reference"]!.GetValue<string>());
        Assert.Equal($"data.bin|{bytes.Length}|{sha}@{fixture.WorkerB.Pid}", ProtocolClient.Value(digest.Body, "file-digest-out", "children")!.GetValue<string>());
    }

    [Fact]
    public async Task A_reference_made_through_one_web_process_is_accepted_through_the_other_for_the_same_session_only()
    {
        using var browser = new ProtocolClient();
        using var stranger = new ProtocolClient();
        await stranger.WithSessionAsync(fixture.WebB.Address!);

        var made = await RunAsync(browser, fixture.WebA.Address!, "rows-make", "rows-in", "value", 300);
        var reference = ProtocolClient.Value(made.Body, "rows", "data")!.GetValue<string>();
        // The session is a Data Protection cookie; web B reads web A's because both processes have the same key ring
        // (Data Protection's default: a directory in this user's profile) and the same application, as a deployment would.
        var summed = await RunAsync(browser, fixture.WebB.Address!, "rows-sum", "rows", "data", reference);
        var (status, body, response) = await stranger.InvokeAsync(fixture.WebB.Address!, "rows-sum", "rows", "data", reference);

        Assert.Equal($"300 rows, sum 45150@{fixture.WorkerB.Pid}", ProtocolClient.Value(summed.Body, "rows-sum-out", "children")!.GetValue<string>());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("not-found", body["reason"]!.GetValue<string>());
        Assert.Equal("rows.data", body["component"]!.GetValue<string>());
    }

    /// <summary>
    /// The ruling: a 200 MB value produced by one background job and consumed by another raises the web process's peak
    /// working set by less than 50 MB. The web process is one of its own, so its peak is this test's alone.
    /// </summary>
    [Fact]
    public async Task A_value_of_over_200_MB_passed_between_two_jobs_raises_the_web_process_peak_by_less_than_50_MB()
    {
        // 152 MiB of bytes are stored as about 203 MiB of base64 JSON: random bytes leave the encoder nothing to compress.
        const int mebibytes = 152;
        await using var web = await fixture.Cluster.StartWebAsync(ServerSideFixture.ServerSide);
        using var browser = new ProtocolClient();

        // Warm-up: the web process's first requests, jobs and reference checks load and JIT what the big run needs.
        for (var i = 1; i <= 3; i++)
        {
            var small = await RunAsync(browser, web.Address!, "blob-make", "blob-in", "value", i);
            var smallDigest = await RunAsync(browser, web.Address!, "blob-digest", "blob", "data", ProtocolClient.Value(small.Body, "blob", "data")!.GetValue<string>());
            Assert.StartsWith($"{i}|{i * MiB}|", ProtocolClient.Value(smallDigest.Body, "blob-digest-out", "children")!.GetValue<string>());
        }

        var webBefore = PeakKb(web.Pid);
        var workerABefore = PeakKb(fixture.WorkerA.Pid);
        var workerBBefore = PeakKb(fixture.WorkerB.Pid);

        var clock = Stopwatch.StartNew();
        var made = await RunAsync(browser, web.Address!, "blob-make", "blob-in", "value", mebibytes);
        var produced = clock.Elapsed;
        var reference = ProtocolClient.Value(made.Body, "blob", "data")!.GetValue<string>();
        var id = reference["bcref:default:".Length..];
        var stored = (long)await fixture.Db.HashGetAsync($"bc:v:{{{id}}}:m", "len");
        var chunks = await fixture.Db.ListLengthAsync($"bc:v:{{{id}}}:d");
        var inRedis = (long)await fixture.Db.ExecuteAsync("MEMORY", "USAGE", $"bc:v:{{{id}}}:d", "SAMPLES", "0");

        clock.Restart();
        var digested = await RunAsync(browser, web.Address!, "blob-digest", "blob", "data", reference);
        var consumed = clock.Elapsed;

        var webAfter = PeakKb(web.Pid);
        var workerAAfter = PeakKb(fixture.WorkerA.Pid);
        var workerBAfter = PeakKb(fixture.WorkerB.Pid);
        output.WriteLine($"Value: {mebibytes} MiB of random bytes; stored {stored / (double)MiB:F1} MiB in {chunks} chunks, MEMORY USAGE {inRedis / (double)MiB:F1} MiB.");
        output.WriteLine($"Produced (POST to end of job) in {produced.TotalSeconds:F1} s, consumed in {consumed.TotalSeconds:F1} s.");
        output.WriteLine($"Web process VmHWM: {webBefore / 1024.0:F1} MiB before, {webAfter / 1024.0:F1} MiB after (+{(webAfter - webBefore) / 1024.0:F1} MiB).");
        output.WriteLine($"Worker A (producer) VmHWM: {workerABefore / 1024.0:F1} -> {workerAAfter / 1024.0:F1} MiB; worker B (consumer): {workerBBefore / 1024.0:F1} -> {workerBAfter / 1024.0:F1} MiB.");

        // The same generator here, timed: how much of the producer's time is only making the data.
        clock.Restart();
        var expectedSum = ExpectedSum(mebibytes);
        output.WriteLine($"Generating the same bytes here takes {clock.Elapsed.TotalSeconds:F1} s.");

        Assert.Equal($"{mebibytes}|{mebibytes * MiB}|{expectedSum}|{fixture.WorkerB.Pid}", ProtocolClient.Value(digested.Body, "blob-digest-out", "children")!.GetValue<string>());
        await AssertRanOnlyOnAsync(fixture.WorkerA, fixture.WorkerB, made.JobId, "blob-make");
        await AssertRanOnlyOnAsync(fixture.WorkerB, fixture.WorkerA, digested.JobId, "blob-digest");
        Assert.True(stored >= 200 * MiB, $"Only {stored} bytes were stored.");
        Assert.True(inRedis >= stored, $"Redis holds {inRedis} bytes for a value of {stored}.");
        Assert.True(webAfter - webBefore < 50 * 1024, $"The web process's peak rose by {(webAfter - webBefore) / 1024.0:F1} MiB.");
    }

    [Fact]
    public async Task An_expired_reference_is_410_expired_for_its_owner_and_422_not_found_for_another_session_on_any_web_process()
    {
        using var owner = new ProtocolClient();
        using var other = new ProtocolClient();
        await other.WithSessionAsync(fixture.WebA.Address!);

        var made = await RunAsync(owner, fixture.WebA.Address!, "short-make", "short-in", "value", 10);
        var reference = ProtocolClient.Value(made.Body, "short-rows", "data")!.GetValue<string>();
        Assert.StartsWith("bcref:short:", reference);
        var id = reference["bcref:short:".Length..];

        // Redis expires the data (EXISTS does not restart its expiry, unlike a lookup by a web process); the
        // metadata, kept a day longer, is what tells its owner it has expired.
        var clock = Stopwatch.StartNew();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (await fixture.Db.KeyExistsAsync($"bc:vs:{{{id}}}:d"))
        {
            Assert.True(DateTime.UtcNow < deadline, "The value did not expire within 30 s of a 2 s expiry.");
            await Task.Delay(50);
        }

        output.WriteLine($"The value expired {clock.Elapsed.TotalSeconds:F1} s after its job ended.");
        Assert.True(await fixture.Db.KeyExistsAsync($"bc:vs:{{{id}}}:m"));

        var (ownerStatus, ownerBody, ownerResponse) = await owner.InvokeAsync(fixture.WebB.Address!, "short-sum", "short-rows", "data", reference);
        var (otherStatus, otherBody, otherResponse) = await other.InvokeAsync(fixture.WebA.Address!, "short-sum", "short-rows", "data", reference);

        Assert.Equal(HttpStatusCode.Gone, ownerStatus);
        Assert.Equal("application/problem+json", ownerResponse.Content.Headers.ContentType?.MediaType);
        Assert.Equal("expired", ownerBody["reason"]!.GetValue<string>());
        Assert.Equal("short-rows.data", ownerBody["component"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, otherStatus);
        Assert.Equal("application/problem+json", otherResponse.Content.Headers.ContentType?.MediaType);
        Assert.Equal("not-found", otherBody["reason"]!.GetValue<string>());
    }

    /// <summary>Starts a job, follows it to its end and expects it to have succeeded.</summary>
    private static async Task<(string JobId, System.Text.Json.Nodes.JsonObject Body)> RunAsync(ProtocolClient browser, Uri web, string callbackId, string inputId, string property, object? value)
    {
        var handle = await browser.StartAsync(web, callbackId, inputId, property, value);
        var done = await browser.WaitForEndAsync(web, handle, JobTimeout);
        Assert.True(done["status"]!.GetValue<string>() == "succeeded", done.ToJsonString());
        return (handle.Split('.')[1], done);
    }

    /// <summary>The job's start is logged by <paramref name="ran"/> and by no other worker.</summary>
    private async Task AssertRanOnlyOnAsync(HostProcess ran, HostProcess other, string jobId, string callbackId)
    {
        bool Started(string line) => line.StartsWith("LOG|JobStarted|", StringComparison.Ordinal) && line.Contains($"Job {jobId} of callback {callbackId} started", StringComparison.Ordinal);
        var line = await ran.WaitForLineAsync(Started, TimeSpan.FromSeconds(5));
        output.WriteLine($"{ran.Pid}: {line}");
        Assert.DoesNotContain(other.Lines(), Started);
    }

    /// <summary>The process's peak resident set (VmHWM), in kB.</summary>
    private static long PeakKb(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").Single(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }

    /// <summary>The sum of the bytes blob-make makes: the same generator, seeded the same, filling blocks in the same order.</summary>
    private static long ExpectedSum(int mebibytes)
    {
        var random = new Random(mebibytes);
        var block = new byte[MiB];
        long sum = 0;
        for (var i = 0; i < mebibytes; i++)
        {
            random.NextBytes(block);
            foreach (var b in block)
            {
                sum += b;
            }
        }

        return sum;
    }
}
