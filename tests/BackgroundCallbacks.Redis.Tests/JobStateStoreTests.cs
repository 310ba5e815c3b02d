using System.Diagnostics;
using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Redis.Tests.Infrastructure;

namespace BackgroundCallbacks.Redis.Tests;

/// <summary>The Redis job state store keeps the semantics of the store contract, atomically, in a real Redis.</summary>
public sealed class JobStateStoreTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task The_record_is_read_back_as_written()
    {
        await using var backend = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString);
        var record = Records.New();
        await backend.Jobs.CreateAsync(record, None);

        var read = await backend.Jobs.GetRecordAsync(record.Handle, None);

        Assert.NotNull(read);
        Assert.Equal(record.ArgsJson, read.ArgsJson);
        Assert.Equal(record with { Triggered = read.Triggered, Claims = read.Claims }, read);
        Assert.Equal(record.Triggered, read.Triggered);
        Assert.Equal(record.Claims, read.Claims);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await backend.Jobs.CreateAsync(record, None));
    }

    [Fact]
    public async Task A_pattern_matching_jobs_MATCH_values_are_read_back_as_written()
    {
        await using var backend = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString);
        var record = Records.New() with { MatchJson = """{"index":3}""" };
        await backend.Jobs.CreateAsync(record, None);

        var read = await backend.Jobs.GetRecordAsync(record.Handle, None);

        Assert.Equal("""{"index":3}""", read!.MatchJson);
    }

    [Fact]
    public async Task Versions_grow_with_every_change_and_progress_and_side_updates_carry_theirs()
    {
        await using var backend = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString);
        var record = Records.New();
        await backend.Jobs.CreateAsync(record, None);
        var created = await backend.Jobs.GetAsync(record.Handle, None);
        Assert.Equal(JobStatus.Queued, created!.Status);

        var attempt = await backend.Jobs.TryStartAsync(record.Handle, None);
        await backend.Jobs.AppendUpdatesAsync(record.Handle, attempt, "[1]", [new("log", """{"children":"a"}"""), new("""{"type":"row","index":1}""", """{"x":1}""")], None);
        await backend.Jobs.AppendUpdatesAsync(record.Handle, attempt, null, [new("log", """{"children":"b"}""")], None);
        var running = await backend.Jobs.GetAsync(record.Handle, None);

        Assert.Equal(1, attempt);
        Assert.Equal(JobStatus.Running, running!.Status);
        Assert.Equal(created.Version + 3, running.Version);
        Assert.Equal("[1]", running.ProgressJson);
        Assert.Equal(created.Version + 2, running.ProgressVersion);
        Assert.Equal(
            [
                new SideUpdate(created.Version + 2, "log", """{"children":"a"}"""),
                new SideUpdate(created.Version + 2, """{"type":"row","index":1}""", """{"x":1}"""),
                new SideUpdate(created.Version + 3, "log", """{"children":"b"}"""),
            ],
            running.SideUpdates);

        Assert.True(await backend.Jobs.CompleteAsync(record.Handle, attempt, JobOutcome.Succeeded("""[{"id":"out","property":"children","value":2}]"""), None));
        var done = await backend.Jobs.GetAsync(record.Handle, None);
        Assert.Equal(JobStatus.Succeeded, done!.Status);
        Assert.Equal(running.Version + 1, done.Version);
        Assert.Equal("""[{"id":"out","property":"children","value":2}]""", done.OutputsJson);
        Assert.Equal(record.Owner, done.Owner);
        Assert.Equal(record.CallbackId, done.CallbackId);
    }

    [Fact]
    public async Task A_job_found_running_is_started_again_and_the_earlier_runs_late_writes_are_ignored()
    {
        await using var backend = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString);
        var record = Records.New();
        await backend.Jobs.CreateAsync(record, None);
        var first = await backend.Jobs.TryStartAsync(record.Handle, None);
        var second = await backend.Jobs.TryStartAsync(record.Handle, None);
        var restarted = await backend.Jobs.GetAsync(record.Handle, None);

        await backend.Jobs.AppendUpdatesAsync(record.Handle, first, "[\"late\"]", [new("log", "{}")], None);
        await backend.Jobs.RequeueAsync(record.Handle, first, None);
        var lateCompleted = await backend.Jobs.CompleteAsync(record.Handle, first, JobOutcome.Succeeded("[\"late\"]"), None);
        var afterLate = await backend.Jobs.GetAsync(record.Handle, None);

        Assert.Equal((1, 2), (first, second));
        Assert.Equal(2, restarted!.Attempt);
        Assert.False(lateCompleted);
        AssertSameState(restarted, afterLate);

        Assert.True(await backend.Jobs.CompleteAsync(record.Handle, second, JobOutcome.Succeeded("[\"current\"]"), None));
        Assert.Equal("[\"current\"]", (await backend.Jobs.GetAsync(record.Handle, None))!.OutputsJson);
        Assert.Equal(0, await backend.Jobs.TryStartAsync(record.Handle, None));
    }

    [Fact]
    public async Task A_completion_whose_answer_was_lost_is_accepted_again_when_retried_and_writes_nothing_more()
    {
        await using var backend = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString);
        var record = Records.New();
        await backend.Jobs.CreateAsync(record, None);
        var attempt = await backend.Jobs.TryStartAsync(record.Handle, None);
        Assert.True(await backend.Jobs.CompleteAsync(record.Handle, attempt, JobOutcome.Succeeded("[1]"), None));
        var done = await backend.Jobs.GetAsync(record.Handle, None);

        Assert.True(await backend.Jobs.CompleteAsync(record.Handle, attempt, JobOutcome.Succeeded("[1]"), None));
        Assert.False(await backend.Jobs.CompleteAsync(record.Handle, attempt, JobOutcome.Failed("other"), None));
        AssertSameState(done, await backend.Jobs.GetAsync(record.Handle, None));
    }

    [Fact]
    public async Task Requeue_puts_only_the_current_run_back_in_the_queue()
    {
        await using var backend = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString);
        var record = Records.New();
        await backend.Jobs.CreateAsync(record, None);
        var attempt = await backend.Jobs.TryStartAsync(record.Handle, None);

        await backend.Jobs.RequeueAsync(record.Handle, attempt, None);
        var requeued = await backend.Jobs.GetAsync(record.Handle, None);
        var next = await backend.Jobs.TryStartAsync(record.Handle, None);

        Assert.Equal(JobStatus.Queued, requeued!.Status);
        Assert.Equal(2, next);
    }

    [Fact]
    public async Task A_cancelled_queued_job_ends_at_once_and_never_starts()
    {
        await using var backend = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString);
        var record = Records.New();
        await backend.Jobs.CreateAsync(record, None);

        Assert.True(await backend.Jobs.RequestCancelAsync(record.Handle, CancelReasons.Requested, None));
        var canceled = await backend.Jobs.GetAsync(record.Handle, None);

        Assert.Equal(JobStatus.Canceled, canceled!.Status);
        Assert.Equal(CancelReasons.Requested, canceled.CancelReason);
        Assert.Equal(0, await backend.Jobs.TryStartAsync(record.Handle, None));
        Assert.False(await backend.Jobs.RequestCancelAsync(record.Handle, CancelReasons.Requested, None));
        Assert.False(await backend.Jobs.RequestCancelAsync(Records.NewHandle(), CancelReasons.Requested, None));
    }

    [Fact]
    public async Task A_cancelled_running_job_ends_as_cancelled_even_if_its_handler_returns_a_result()
    {
        await using var backend = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString);
        var record = Records.New();
        await backend.Jobs.CreateAsync(record, None);
        var attempt = await backend.Jobs.TryStartAsync(record.Handle, None);

        Assert.True(await backend.Jobs.RequestCancelAsync(record.Handle, CancelReasons.Superseded, None));
        var stillRunning = await backend.Jobs.GetAsync(record.Handle, None);
        var accepted = await backend.Jobs.CompleteAsync(record.Handle, attempt, JobOutcome.Succeeded("[1]"), None);
        var done = await backend.Jobs.GetAsync(record.Handle, None);

        Assert.Equal(JobStatus.Running, stillRunning!.Status);
        Assert.False(accepted);
        Assert.Equal(JobStatus.Canceled, done!.Status);
        Assert.Equal(CancelReasons.Superseded, done.CancelReason);
        Assert.Null(done.OutputsJson);
    }

    [Fact]
    public async Task A_cancel_subscription_fires_once_on_a_cancel_and_also_for_a_cancel_asked_before()
    {
        await using var backend = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString);
        var early = Records.New();
        await backend.Jobs.CreateAsync(early, None);
        await backend.Jobs.TryStartAsync(early.Handle, None);
        await backend.Jobs.RequestCancelAsync(early.Handle, CancelReasons.Requested, None);
        var firedEarly = new TaskCompletionSource();
        await using (await backend.Jobs.SubscribeCancelAsync(early.Handle, () => firedEarly.SetResult(), None))
        {
            await firedEarly.Task.WaitAsync(TimeSpan.FromSeconds(5));
        }

        var later = Records.New();
        await backend.Jobs.CreateAsync(later, None);
        await backend.Jobs.TryStartAsync(later.Handle, None);
        var calls = 0;
        var firedLater = new TaskCompletionSource();
        await using (await backend.Jobs.SubscribeCancelAsync(later.Handle, () => { Interlocked.Increment(ref calls); firedLater.TrySetResult(); }, None))
        {
            Assert.False(firedLater.Task.IsCompleted);
            await backend.Jobs.RequestCancelAsync(later.Handle, CancelReasons.Requested, None);
            await firedLater.Task.WaitAsync(TimeSpan.FromSeconds(5));
            await backend.RedisJobs.CheckCancelsAsync();
        }

        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task A_cancel_made_through_another_connection_fires_the_subscription_at_once()
    {
        await using var worker = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString);
        await using var web = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString);
        var record = Records.New();
        await web.Jobs.CreateAsync(record, None);
        await worker.Jobs.TryStartAsync(record.Handle, None);
        var fired = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscription = await worker.Jobs.SubscribeCancelAsync(record.Handle, () => fired.TrySetResult(Stopwatch.GetTimestamp()), None);

        var sent = Stopwatch.GetTimestamp();
        await web.Jobs.RequestCancelAsync(record.Handle, CancelReasons.Requested, None);
        var at = await fired.Task.WaitAsync(TimeSpan.FromSeconds(2));

        Assert.True(Stopwatch.GetElapsedTime(sent, at) < TimeSpan.FromMilliseconds(50), $"The cancel arrived after {Stopwatch.GetElapsedTime(sent, at).TotalMilliseconds} ms.");
    }

    [Fact]
    public async Task A_cancel_whose_message_was_lost_is_found_by_the_fallback_check()
    {
        await using var backend = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString);
        var record = Records.New();
        await backend.Jobs.CreateAsync(record, None);
        await backend.Jobs.TryStartAsync(record.Handle, None);
        var fired = new TaskCompletionSource();
        await using var subscription = await backend.Jobs.SubscribeCancelAsync(record.Handle, () => fired.TrySetResult(), None);

        // The cancel reason written behind the store's back, with no message: as if the message had been lost.
        await backend.Db.HashSetAsync("bgcb:job:" + record.Handle, "c", CancelReasons.Requested);
        Assert.False(fired.Task.IsCompleted);
        await backend.RedisJobs.CheckCancelsAsync();

        await fired.Task.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_long_poll_wakes_at_once_on_a_change_made_through_another_connection()
    {
        await using var worker = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString);
        await using var web = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString);
        var record = Records.New();
        await web.Jobs.CreateAsync(record, None);
        var attempt = await worker.Jobs.TryStartAsync(record.Handle, None);
        var before = await web.Jobs.GetAsync(record.Handle, None);

        var waiting = web.Jobs.WaitForChangeAsync(record.Handle, before!.Version, TimeSpan.FromSeconds(20), None).AsTask();
        await Task.Delay(100);
        Assert.False(waiting.IsCompleted);
        var clock = Stopwatch.StartNew();
        await worker.Jobs.AppendUpdatesAsync(record.Handle, attempt, "[5]", [], None);
        var changed = await waiting.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal("[5]", changed!.ProgressJson);
        Assert.True(clock.Elapsed < TimeSpan.FromMilliseconds(200), $"The poll woke after {clock.Elapsed.TotalMilliseconds} ms.");
        Assert.Equal(0, web.RedisJobs.Notifier.EntryCount);
    }

    [Fact]
    public async Task A_long_poll_whose_message_was_lost_still_reads_the_job_again_when_its_wait_ends()
    {
        await using var backend = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString);
        var record = Records.New();
        await backend.Jobs.CreateAsync(record, None);
        var before = await backend.Jobs.GetAsync(record.Handle, None);

        var waiting = backend.Jobs.WaitForChangeAsync(record.Handle, before!.Version, TimeSpan.FromMilliseconds(500), None).AsTask();
        await backend.Db.HashIncrementAsync("bgcb:job:" + record.Handle, "v");
        var seen = await waiting.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(before.Version + 1, seen!.Version);
        Assert.Equal(0, backend.RedisJobs.Notifier.EntryCount);
    }

    [Fact]
    public async Task A_long_poll_on_a_job_that_does_not_exist_answers_null_at_once()
    {
        await using var backend = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString);

        var missing = await backend.Jobs.WaitForChangeAsync(Records.NewHandle(), 0, TimeSpan.FromSeconds(20), None).AsTask().WaitAsync(TimeSpan.FromSeconds(2));

        Assert.Null(missing);
    }

    [Fact]
    public async Task Replacing_the_active_job_of_a_slot_returns_the_one_it_replaced_until_that_job_ends()
    {
        await using var backend = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString);
        var first = Records.New(slot: "owner\ncallback\nout.children");
        var second = Records.New(slot: "owner\ncallback\nout.children");
        await backend.Jobs.CreateAsync(first, None);
        await backend.Jobs.CreateAsync(second, None);

        Assert.Null(await backend.Jobs.ReplaceActiveAsync(first.Slot, first.Handle, None));
        Assert.Equal(first.Handle, await backend.Jobs.ReplaceActiveAsync(second.Slot, second.Handle, None));

        var attempt = await backend.Jobs.TryStartAsync(second.Handle, None);
        await backend.Jobs.CompleteAsync(second.Handle, attempt, JobOutcome.Succeeded("[]"), None);
        Assert.Null(await backend.Jobs.ReplaceActiveAsync(second.Slot, Records.NewHandle(), None));
    }

    [Fact]
    public async Task A_running_job_lives_a_day_without_changes_and_an_ended_one_for_the_retention_only()
    {
        await using var backend = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString, callbacks: o => o.JobRetention = TimeSpan.FromMilliseconds(300));
        var record = Records.New();
        await backend.Jobs.CreateAsync(record, None);
        var attempt = await backend.Jobs.TryStartAsync(record.Handle, None);
        await backend.Jobs.AppendUpdatesAsync(record.Handle, attempt, null, [new("log", "{}")], None);
        var liveTtl = await backend.Db.KeyTimeToLiveAsync("bgcb:job:" + record.Handle);
        var updatesTtl = await backend.Db.KeyTimeToLiveAsync("bgcb:job:" + record.Handle + ":u");

        await backend.Jobs.CompleteAsync(record.Handle, attempt, JobOutcome.Succeeded("[]"), None);
        var endedTtl = await backend.Db.KeyTimeToLiveAsync("bgcb:job:" + record.Handle);

        Assert.InRange(liveTtl!.Value, TimeSpan.FromHours(23.9), TimeSpan.FromHours(24));
        Assert.InRange(updatesTtl!.Value, TimeSpan.FromHours(23.9), TimeSpan.FromHours(24));
        Assert.InRange(endedTtl!.Value, TimeSpan.FromMilliseconds(1), TimeSpan.FromMilliseconds(300));

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (await backend.Jobs.GetAsync(record.Handle, None) is not null)
        {
            Assert.True(DateTime.UtcNow < deadline, "The ended job was still there long after its retention.");
            await Task.Delay(50);
        }

        Assert.False(await backend.Db.KeyExistsAsync("bgcb:job:" + record.Handle + ":u"));
    }

    private static void AssertSameState(JobSnapshot? expected, JobSnapshot? actual)
    {
        Assert.NotNull(expected);
        Assert.NotNull(actual);
        Assert.Equal(expected with { SideUpdates = Array.Empty<SideUpdate>() }, actual with { SideUpdates = Array.Empty<SideUpdate>() });
        Assert.Equal(expected.SideUpdates, actual.SideUpdates);
    }
}
