using System.Net;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Redis.Connections;
using BackgroundCallbacks.Redis.Jobs;
using BackgroundCallbacks.Redis.Tests.Infrastructure;
using BackgroundCallbacks.Testing;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace BackgroundCallbacks.Redis.Tests;

/// <summary>
/// Issue 13, row d: what the job store's scripts cost inside Redis (which counts every command a script runs), and that
/// running fewer of them (one HSET per step, a time to live set only when a key is created, the job ends or the live
/// one is due for renewal) leaves no key of a job without a time to live.
/// </summary>
public sealed class JobScriptCommandsTests(RedisFixture fixture, ITestOutputHelper output) : IClassFixture<RedisFixture>
{
    /// <summary>
    /// A 0-ms uncached job followed by long poll, as the benchmark's row d runs it: Admit (HSET, PEXPIRE), Start (HMGET,
    /// HSET, PUBLISH), Complete (HMGET, HSET, HDEL, PEXPIRE, PUBLISH) and the polls' Reads (one HMGET each, two or three
    /// depending on when each poll arrives). It was 24 before the scripts were cut down.
    /// </summary>
    private const int MostScriptCommandsPerJob = 13;

    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task A_job_run_end_to_end_runs_at_most_13_commands_inside_the_job_stores_scripts()
    {
        var prefix = "cmds" + Guid.NewGuid().ToString("N")[..8] + ":";
        await using var app = await InProcessApp.StartAsync(
            fixture.Redis.ConnectionString,
            b => b.MapBackgroundCallback("tiny", (int? n) => $"tiny {n}").Output("tiny-out", "children").Input("tiny-in", "value"),
            o => o.KeyPrefix = prefix);
        using var http = new HttpClient { BaseAddress = app.Address };

        // The first job loads the scripts (EVALSHA, NOSCRIPT, EVAL) and makes the subscriptions: not what a job costs.
        await RunAsync(http, 1);
        await using var monitor = await RedisMonitor.StartAsync(fixture.Redis.Port);
        await RunAsync(http, 2);
        var commands = await monitor.SnapshotAsync();

        var ours = ScriptCommands(commands, JobStoreScripts());
        foreach (var (script, run) in ours.GroupBy(c => c.Script).Select(g => (g.Key, g.Select(c => c.Command.Name).ToArray())))
        {
            output.WriteLine($"{script}: {run.Length} ({string.Join(", ", run)})");
        }

        Assert.Contains(ours, c => c.Script == nameof(JobScripts.Admit));
        Assert.Contains(ours, c => c.Script == nameof(JobScripts.Complete));
        Assert.True(ours.Count <= MostScriptCommandsPerJob, $"The job store's scripts ran {ours.Count} commands for one job, more than {MostScriptCommandsPerJob}.");
    }

    [Fact]
    public async Task Every_key_a_job_leaves_has_a_time_to_live_when_admitted_running_reporting_and_ended()
    {
        var prefix = "ttl" + Guid.NewGuid().ToString("N")[..8] + ":";
        await using var backend = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString, o => o.KeyPrefix = prefix);
        var key = JobStoreContractTests.NewKey();
        var creator = JobStoreContractTests.NewAdmission(key);
        var joiner = JobStoreContractTests.NewAdmission(key);
        var jobId = creator.Record.JobId;

        await backend.Jobs.AdmitAsync(creator, None);
        await backend.Jobs.AdmitAsync(joiner, None);
        await backend.Jobs.ReplaceSlotAsync("page|callback", creator.Handle, None);
        await AssertEveryKeyExpiresAsync(backend, prefix, "admitted", 4); // job, index, alias, slot

        var attempt = (await backend.Jobs.TryStartAsync(jobId, "run", None)).Attempt;
        await AssertEveryKeyExpiresAsync(backend, prefix, "running", 4);

        // The first report and the first side update create the job's progress log and updates set.
        await backend.Jobs.AppendUpdatesAsync(jobId, attempt, ["[1]"], [], None);
        await AssertEveryKeyExpiresAsync(backend, prefix, "first progress", 5);
        await backend.Jobs.AppendUpdatesAsync(jobId, attempt, [], [new("log", "{}")], None);
        await AssertEveryKeyExpiresAsync(backend, prefix, "first side update", 6);
        await backend.Jobs.AppendUpdatesAsync(jobId, attempt, ["[2]"], [new("log", "{}")], None);
        await AssertEveryKeyExpiresAsync(backend, prefix, "more progress", 6);

        await backend.Jobs.CompleteAsync(jobId, attempt, JobOutcome.Succeeded("[]"), None);
        await AssertEveryKeyExpiresAsync(backend, prefix, "ended", 5); // the index entry went with the end
    }

    [Fact]
    public async Task A_job_cancelled_by_its_last_follower_gives_every_key_it_created_the_retention()
    {
        var prefix = "cancel" + Guid.NewGuid().ToString("N")[..8] + ":";
        await using var backend = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString, o => o.KeyPrefix = prefix, c => c.JobRetention = TimeSpan.FromMinutes(5));
        var admission = JobStoreContractTests.NewAdmission();
        var jobId = admission.Record.JobId;
        await backend.Jobs.AdmitAsync(admission, None);
        var attempt = (await backend.Jobs.TryStartAsync(jobId, "run", None)).Attempt;
        await backend.Jobs.AppendUpdatesAsync(jobId, attempt, ["[1]"], [new("log", "{}")], None);

        await backend.Jobs.DetachAsync(jobId, admission.FollowerId, CancelReasons.Requested, None);

        var keys = new RedisKeys(prefix);
        foreach (var jobKey in new[] { keys.Job(jobId), keys.Updates(jobId), keys.Progress(jobId) })
        {
            Assert.InRange((await backend.Db.KeyTimeToLiveAsync(jobKey))!.Value, TimeSpan.FromMinutes(4.9), TimeSpan.FromMinutes(5));
        }
    }

    [Fact]
    public async Task A_live_job_renews_its_keys_time_to_live_only_once_the_renewal_interval_has_passed()
    {
        var prefix = "renew" + Guid.NewGuid().ToString("N")[..8] + ":";
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var backend = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString, o => o.KeyPrefix = prefix, time: time);
        var admission = JobStoreContractTests.NewAdmission();
        var jobId = admission.Record.JobId;
        var keys = new RedisKeys(prefix);
        RedisKey[] jobKeys = [keys.Job(jobId), keys.Updates(jobId), keys.Progress(jobId)];
        await backend.Jobs.AdmitAsync(admission, None);
        var attempt = (await backend.Jobs.TryStartAsync(jobId, "run", None)).Attempt;
        await backend.Jobs.AppendUpdatesAsync(jobId, attempt, ["[1]"], [new("log", "{}")], None);

        // As if most of a day had passed on the server since the keys were given their time to live.
        foreach (var jobKey in jobKeys)
        {
            await backend.Db.KeyExpireAsync(jobKey, TimeSpan.FromHours(2));
        }

        time.Advance(RedisJobStore.LiveTtlRenewal - TimeSpan.FromMinutes(1));
        await backend.Jobs.AppendUpdatesAsync(jobId, attempt, ["[2]"], [], None);
        var beforeRenewal = await Task.WhenAll(jobKeys.Select(k => backend.Db.KeyTimeToLiveAsync(k)));

        time.Advance(TimeSpan.FromMinutes(2));
        await backend.Jobs.AppendUpdatesAsync(jobId, attempt, ["[3]"], [], None);
        var afterRenewal = await Task.WhenAll(jobKeys.Select(k => backend.Db.KeyTimeToLiveAsync(k)));

        Assert.All(beforeRenewal, ttl => Assert.InRange(ttl!.Value, TimeSpan.FromHours(1.9), TimeSpan.FromHours(2)));
        Assert.All(afterRenewal, ttl => Assert.InRange(ttl!.Value, RedisJobStore.LiveJobTtl, RedisJobStore.LiveJobTtl + RedisJobStore.LiveTtlRenewal));
    }

    private async Task AssertEveryKeyExpiresAsync(BackendHarness backend, string prefix, string stage, int expectedKeys)
    {
        // The outbox is shared by every job (an entry leaves when its admission is acknowledged): it has no time to live by design.
        var server = backend.Inspector.GetServers()[0];
        var keys = server.Keys(pattern: prefix + "*").Select(k => (string)k!).Where(k => k != prefix + "outbox").ToArray();
        foreach (var key in keys)
        {
            var ttl = await backend.Db.ExecuteAsync("PTTL", key);
            output.WriteLine($"{stage}: {key[prefix.Length..]} {ttl} ms");
            Assert.True((long)ttl > 0, $"{stage}: {key} has no time to live (PTTL {ttl}).");
        }

        Assert.Equal(expectedKeys, keys.Length);
    }

    private static async Task RunAsync(HttpClient http, int n)
    {
        var body = $$"""{"inputs":[{"id":"tiny-in","property":"value","value":{{n}}}],"state":[],"triggered":["tiny-in.value"]}""";
        var accepted = await http.PostAsync("/_callbacks/callbacks/tiny", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var posted = JsonNode.Parse(await accepted.Content.ReadAsStringAsync())!;
        var handle = posted["handle"]!.GetValue<string>();
        var after = posted["version"]?.GetValue<long>() ?? 0;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var job = JsonNode.Parse(await http.GetStringAsync($"/_callbacks/jobs/{handle}?after={after}&wait=20000"))!;
            after = job["version"]!.GetValue<long>();
            var status = job["status"]!.GetValue<string>();
            if (status is "succeeded")
            {
                return;
            }

            Assert.True(status is "queued" or "running", $"The job ended {status}: {job.ToJsonString()}");
            Assert.True(DateTime.UtcNow < deadline, "The job did not end in time.");
        }
    }

    /// <summary>The SHA1 of each of <see cref="JobScripts"/>' scripts, as EVALSHA names it, with the script's name.</summary>
    private static Dictionary<string, string> JobStoreScripts() =>
        typeof(JobScripts).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.FieldType == typeof(string))
            .ToDictionary(f => Sha1((string)f.GetRawConstantValue()!), f => f.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>The commands run inside the job store's scripts, each with the script that ran it.</summary>
    private static List<(string Script, MonitoredCommand Command)> ScriptCommands(IReadOnlyList<MonitoredCommand> commands, Dictionary<string, string> scripts)
    {
        var found = new List<(string, MonitoredCommand)>();
        string? running = null;
        foreach (var command in commands)
        {
            if (!command.FromScript)
            {
                running = command.Name switch
                {
                    "EVALSHA" => scripts.GetValueOrDefault(command.Arguments[0]),
                    "EVAL" => scripts.GetValueOrDefault(Sha1(command.Arguments[0])),
                    _ => null,
                };
                continue;
            }

            if (running is not null)
            {
                found.Add((running, command));
            }
        }

        return found;
    }

#pragma warning disable CA5350 // Redis names a script by its SHA1: nothing here is secured by it.
    private static string Sha1(string script) => Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(script)));
#pragma warning restore CA5350
}
