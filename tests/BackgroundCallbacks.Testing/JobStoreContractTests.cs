using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Owners;
using BackgroundCallbacks.Registry;
using Microsoft.Extensions.Time.Testing;

namespace BackgroundCallbacks.Testing;

/// <summary>
/// The rules every job store keeps (Jobs/readme.md), as one set of cases: each backend's tests derive from this class
/// and hand it their store, so the embedded store and the Redis store are held to the same cases.
/// </summary>
public abstract class JobStoreContractTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    /// <summary>A fresh, empty store whose clock is <paramref name="time"/>.</summary>
    protected abstract Task<StoreUnderTest> CreateStoreAsync(FakeTimeProvider time);

    [Fact]
    public async Task The_record_is_read_back_as_written()
    {
        await using var sut = await CreateStoreAsync(new FakeTimeProvider());
        var admission = NewAdmission();
        var record = admission.Record with { MatchJson = """{"index":3}""", Claims = [new("name", "Ada")], AuthenticationType = "Test", RequestValuesJson = """[["de"],null]""" };
        await sut.Store.AdmitAsync(admission with { Record = record }, None);

        var read = await sut.Store.GetRecordAsync(record.JobId, None);

        Assert.NotNull(read);
        Assert.Equal(record.ArgsJson, read.ArgsJson);
        Assert.Equal(record.Triggered, read.Triggered);
        Assert.Equal(record.Claims, read.Claims);
        Assert.Equal(record with { Triggered = read.Triggered, Claims = read.Claims }, read);
    }

    [Fact]
    public async Task The_trace_context_and_admission_time_are_read_back_as_written()
    {
        await using var sut = await CreateStoreAsync(new FakeTimeProvider());
        var admission = NewAdmission();
        var record = admission.Record with
        {
            TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            TraceState = "vendor=abc,other=1",
            AdmittedAt = new DateTimeOffset(2026, 12, 6, 15, 0, 0, 123, TimeSpan.Zero),
        };

        var read = await RoundTripAsync(sut, admission with { Record = record });
        var untraced = await RoundTripAsync(sut, NewAdmission());

        Assert.NotNull(read);
        Assert.Equal(record.TraceParent, read.TraceParent);
        Assert.Equal(record.TraceState, read.TraceState);
        Assert.Equal(record.AdmittedAt, read.AdmittedAt);
        Assert.NotNull(untraced);
        Assert.Null(untraced.TraceParent);
        Assert.Null(untraced.TraceState);
        Assert.Null(untraced.AdmittedAt);
    }

    [Fact]
    public async Task The_concrete_ids_of_ALL_values_are_read_back_as_written()
    {
        await using var sut = await CreateStoreAsync(new FakeTimeProvider());
        var admission = NewAdmission();
        var record = admission.Record with { IdsJson = """[null,[{"type":"row","index":1},{"type":"row","index":2}]]""" };
        await sut.Store.AdmitAsync(admission with { Record = record }, None);

        var read = await sut.Store.GetRecordAsync(record.JobId, None);

        Assert.NotNull(read);
        Assert.Equal(record.IdsJson, read.IdsJson);
        Assert.Null((await RoundTripAsync(sut, NewAdmission()))!.IdsJson);
    }

    private static async Task<JobRecord?> RoundTripAsync(StoreUnderTest sut, Admission admission)
    {
        await sut.Store.AdmitAsync(admission, None);
        return await sut.Store.GetRecordAsync(admission.Record.JobId, None);
    }

    [Fact]
    public async Task A_job_that_ends_drops_its_arguments_ids_and_request_values_and_keeps_the_rest_of_its_record()
    {
        await using var sut = await CreateStoreAsync(new FakeTimeProvider());
        var large = "[\"" + new string('x', 100_000) + "\"]";
        const string Ids = """[["{\"index\":1}"]]""";
        const string RequestValues = """[["session=secret"]]""";
        var completed = NewAdmission();
        var cancelled = NewAdmission();
        await sut.Store.AdmitAsync(completed with { Record = completed.Record with { ArgsJson = large, IdsJson = Ids, RequestValuesJson = RequestValues } }, None);
        await sut.Store.AdmitAsync(cancelled with { Record = cancelled.Record with { ArgsJson = large, IdsJson = Ids, RequestValuesJson = RequestValues } }, None);
        var attempt = (await sut.Store.TryStartAsync(completed.Record.JobId, "run-1", None)).Attempt;
        var running = await sut.Store.GetRecordAsync(completed.Record.JobId, None);
        Assert.Equal(large, running!.ArgsJson);
        Assert.Equal(Ids, running.IdsJson);
        Assert.Equal(RequestValues, running.RequestValuesJson);

        await sut.Store.CompleteAsync(completed.Record.JobId, attempt, JobOutcome.Succeeded("[1]"), None);
        await sut.Store.DetachAsync(cancelled.Record.JobId, cancelled.FollowerId, CancelReasons.Requested, None);

        foreach (var admission in new[] { completed, cancelled })
        {
            var record = await sut.Store.GetRecordAsync(admission.Record.JobId, None);
            Assert.NotNull(record);
            Assert.Equal(JobRecord.DroppedArguments, record.ArgsJson);
            Assert.Null(record.IdsJson);
            Assert.Null(record.RequestValuesJson);
            Assert.Equal(admission.Record.Owner, record.Owner);
            Assert.Equal(admission.Record.CallbackId, record.CallbackId);
        }

        Assert.Equal(JobStatus.Succeeded, (await ReadAsync(sut, completed, 0)).Status);
    }

    [Fact]
    public async Task Versions_grow_with_every_change_and_a_read_brings_only_what_is_newer_than_after()
    {
        await using var sut = await CreateStoreAsync(new FakeTimeProvider());
        var a = NewAdmission();
        await sut.Store.AdmitAsync(a, None);
        var created = await ReadAsync(sut, a, 0);
        Assert.Equal(JobStatus.Queued, created.Status);

        var attempt = (await sut.Store.TryStartAsync(a.Record.JobId, "run-1", None)).Attempt;
        await sut.Store.AppendUpdatesAsync(a.Record.JobId, attempt, ["[1]"], [new("log", """{"children":"a"}"""), new("""{"type":"row","index":1}""", """{"x":1}""")], None);
        var afterFirst = await ReadAsync(sut, a, 0);
        await sut.Store.AppendUpdatesAsync(a.Record.JobId, attempt, [], [new("log", """{"children":"b"}""")], None);
        var all = await ReadAsync(sut, a, 0);
        var newer = await ReadAsync(sut, a, afterFirst.Version);

        Assert.Equal(1, attempt);
        Assert.Equal(JobStatus.Running, all.Status);
        Assert.Equal(created.Version + 3, all.Version);
        Assert.Equal("[1]", all.ProgressJson);
        Assert.Equal(created.Version + 2, all.ProgressVersion);
        Assert.Equal(
            [
                new SideUpdate(created.Version + 2, "log", """{"children":"a"}"""),
                new SideUpdate(created.Version + 2, """{"type":"row","index":1}""", """{"x":1}"""),
                new SideUpdate(created.Version + 3, "log", """{"children":"b"}"""),
            ],
            all.SideUpdates);

        // Reads cost what changed: the progress and the updates the follower has seen are not sent again.
        Assert.Null(newer.ProgressJson);
        Assert.Equal(all.ProgressVersion, newer.ProgressVersion);
        Assert.Equal([new SideUpdate(created.Version + 3, "log", """{"children":"b"}""")], newer.SideUpdates);
        Assert.Empty((await ReadAsync(sut, a, all.Version)).SideUpdates);
    }

    [Fact]
    public async Task Progress_reports_of_two_batches_come_back_all_in_order_with_growing_sequences()
    {
        await using var sut = await CreateStoreAsync(new FakeTimeProvider());
        var a = NewAdmission();
        await sut.Store.AdmitAsync(a, None);
        var attempt = (await sut.Store.TryStartAsync(a.Record.JobId, "run-1", None)).Attempt;
        var started = await ReadAsync(sut, a, 0);

        await sut.Store.AppendUpdatesAsync(a.Record.JobId, attempt, ["[1]", "[2]"], [], None);
        await sut.Store.AppendUpdatesAsync(a.Record.JobId, attempt, ["[3]"], [new("log", "{}")], None);
        var view = await ReadAsync(sut, a, 0);

        Assert.Equal(
            [
                new ProgressReport(started.Version + 1, 1, "[1]"),
                new ProgressReport(started.Version + 1, 2, "[2]"),
                new ProgressReport(started.Version + 2, 3, "[3]"),
            ],
            view.ProgressReports);
        Assert.Equal("[3]", view.ProgressJson);
        Assert.Equal(started.Version + 2, view.ProgressVersion);
    }

    [Fact]
    public async Task A_read_after_a_version_brings_only_the_progress_reports_written_after_it()
    {
        await using var sut = await CreateStoreAsync(new FakeTimeProvider());
        var a = NewAdmission();
        await sut.Store.AdmitAsync(a, None);
        var attempt = (await sut.Store.TryStartAsync(a.Record.JobId, "run-1", None)).Attempt;
        await sut.Store.AppendUpdatesAsync(a.Record.JobId, attempt, ["[1]", "[2]"], [], None);
        var first = await ReadAsync(sut, a, 0);

        await sut.Store.AppendUpdatesAsync(a.Record.JobId, attempt, ["[3]", "[4]"], [], None);
        await sut.Store.AppendUpdatesAsync(a.Record.JobId, attempt, [], [new("log", "{}")], None);
        var newer = await ReadAsync(sut, a, first.Version);

        Assert.Equal(["[3]", "[4]"], newer.ProgressReports.Select(r => r.Json));
        Assert.Equal([3L, 4L], newer.ProgressReports.Select(r => r.Sequence));
        Assert.Empty((await ReadAsync(sut, a, newer.Version)).ProgressReports);
    }

    [Fact]
    public async Task A_read_that_does_not_ask_for_the_progress_log_brings_the_latest_progress_and_no_reports()
    {
        await using var sut = await CreateStoreAsync(new FakeTimeProvider());
        var a = NewAdmission();
        await sut.Store.AdmitAsync(a, None);
        var attempt = (await sut.Store.TryStartAsync(a.Record.JobId, "run-1", None)).Attempt;
        var started = await ReadAsync(sut, a, 0);
        await sut.Store.AppendUpdatesAsync(a.Record.JobId, attempt, ["[1]", "[2]"], [], None);
        await sut.Store.AppendUpdatesAsync(a.Record.JobId, attempt, ["[3]"], [], None);

        var latest = await ReadAsync(sut, a, started.Version, withProgressLog: false);
        var logged = await ReadAsync(sut, a, started.Version, withProgressLog: true);

        Assert.Empty(latest.ProgressReports);
        Assert.Equal("[3]", latest.ProgressJson);
        Assert.Equal(started.Version + 2, latest.ProgressVersion);
        Assert.Equal(logged.Version, latest.Version);
        Assert.Equal([1L, 2L, 3L], logged.ProgressReports.Select(r => r.Sequence));
    }

    [Fact]
    public async Task A_follow_without_the_progress_log_brings_none_and_one_with_it_brings_every_report()
    {
        var time = new FakeTimeProvider();
        await using var sut = await CreateStoreAsync(time);
        var jobs = NewJobService(sut.Store, time);
        var a = NewAdmission();
        await sut.Store.AdmitAsync(a, None);
        var attempt = (await sut.Store.TryStartAsync(a.Record.JobId, "run-1", None)).Attempt;
        await sut.Store.AppendUpdatesAsync(a.Record.JobId, attempt, ["[1]", "[2]"], [], None);
        var owner = new Owner(a.Record.Owner, null, string.Empty);

        var browser = await jobs.FollowAsync(a.Handle, owner, 0, TimeSpan.Zero, None);
        var agent = await jobs.FollowAsync(a.Handle, owner, 0, TimeSpan.Zero, None, withProgressLog: true);

        Assert.NotNull(browser);
        Assert.NotNull(agent);
        Assert.Empty(browser.ProgressReports);
        Assert.Equal("[2]", browser.ProgressJson);
        Assert.Equal(["[1]", "[2]"], agent.ProgressReports.Select(r => r.Json));
    }

    [Fact]
    public async Task The_progress_log_keeps_only_the_last_reports_when_more_were_made()
    {
        await using var sut = await CreateStoreAsync(new FakeTimeProvider());
        var a = NewAdmission();
        await sut.Store.AdmitAsync(a, None);
        var attempt = (await sut.Store.TryStartAsync(a.Record.JobId, "run-1", None)).Attempt;
        var total = IJobStore.ProgressLogLength + 10;
        var reports = Enumerable.Range(1, total).Select(i => $"[{i}]").ToArray();

        // The first batch alone is longer than the log.
        await sut.Store.AppendUpdatesAsync(a.Record.JobId, attempt, reports[..(IJobStore.ProgressLogLength + 5)], [], None);
        await sut.Store.AppendUpdatesAsync(a.Record.JobId, attempt, reports[(IJobStore.ProgressLogLength + 5)..], [], None);
        var view = await ReadAsync(sut, a, 0);

        var kept = Enumerable.Range(total - IJobStore.ProgressLogLength + 1, IJobStore.ProgressLogLength).ToArray();
        Assert.Equal(kept.Select(i => $"[{i}]"), view.ProgressReports.Select(r => r.Json));
        Assert.Equal(kept.Select(i => (long)i), view.ProgressReports.Select(r => r.Sequence));
    }

    [Fact]
    public async Task The_progress_sequence_keeps_growing_across_a_requeue_and_a_new_run()
    {
        await using var sut = await CreateStoreAsync(new FakeTimeProvider());
        var a = NewAdmission();
        await sut.Store.AdmitAsync(a, None);
        var job = a.Record.JobId;
        var first = (await sut.Store.TryStartAsync(job, "entry-1", None)).Attempt;
        await sut.Store.AppendUpdatesAsync(job, first, ["[1]", "[2]"], [], None);
        Assert.True(await sut.Store.RequeueAsync(job, first, None));
        var second = (await sut.Store.TryStartAsync(job, "entry-2", None)).Attempt;
        var beforeSecondRun = await ReadAsync(sut, a, 0);

        // The old run can write nothing more, and takes no number.
        await sut.Store.AppendUpdatesAsync(job, first, ["[\"stale\"]"], [], None);
        await sut.Store.AppendUpdatesAsync(job, second, ["[1]"], [], None);
        var view = await ReadAsync(sut, a, beforeSecondRun.Version);

        Assert.Equal(2, second);
        Assert.Equal([new ProgressReport(beforeSecondRun.Version + 1, 3, "[1]")], view.ProgressReports);
        Assert.Equal([1L, 2L, 3L], (await ReadAsync(sut, a, 0)).ProgressReports.Select(r => r.Sequence));
    }

    [Fact]
    public async Task Identical_joinable_admissions_join_one_job_and_every_follower_sees_the_same_updates()
    {
        await using var sut = await CreateStoreAsync(new FakeTimeProvider());
        var key = NewKey();
        var first = NewAdmission(key);
        var second = NewAdmission(key, owner: "s:other");

        var created = await sut.Store.AdmitAsync(first, None);
        var attempt = (await sut.Store.TryStartAsync(created.JobId, "run-1", None)).Attempt;
        await sut.Store.AppendUpdatesAsync(created.JobId, attempt, ["[5]"], [new("log", "{}")], None);
        var joined = await sut.Store.AdmitAsync(second, None);

        Assert.False(created.Joined);
        Assert.True(joined.Joined);
        Assert.Equal(created.JobId, joined.JobId);
        Assert.Equal(JobStatus.Running, joined.Status);
        var secondView = await sut.Store.ReadAsync(joined.JobId, second.FollowerId, 0, None);
        Assert.Equal("s:other", secondView!.Owner);
        Assert.Equal("[5]", secondView.ProgressJson);
        Assert.Single(secondView.SideUpdates);

        await sut.Store.CompleteAsync(created.JobId, attempt, JobOutcome.Succeeded("[\"done\"]"), None);
        Assert.Equal("[\"done\"]", (await sut.Store.ReadAsync(joined.JobId, second.FollowerId, 0, None))!.OutputsJson);
        Assert.Equal("[\"done\"]", (await sut.Store.ReadAsync(created.JobId, first.FollowerId, 0, None))!.OutputsJson);
    }

    [Fact]
    public async Task An_admission_that_may_not_join_creates_its_own_job_even_with_the_same_key()
    {
        await using var sut = await CreateStoreAsync(new FakeTimeProvider());
        var key = NewKey();
        var first = await sut.Store.AdmitAsync(NewAdmission(key), None);

        var second = await sut.Store.AdmitAsync(NewAdmission(key) with { Joinable = false }, None);

        Assert.False(second.Joined);
        Assert.NotEqual(first.JobId, second.JobId);
    }

    [Fact]
    public async Task Many_concurrent_identical_admissions_create_exactly_one_job()
    {
        await using var sut = await CreateStoreAsync(new FakeTimeProvider());
        var key = NewKey();

        var results = await Task.WhenAll(Enumerable.Range(0, 64).Select(i => sut.Store.AdmitAsync(NewAdmission(key, owner: "s:" + i), None).AsTask()));

        Assert.Single(results, r => !r.Joined);
        Assert.Single(results.Select(r => r.JobId).Distinct());
    }

    [Fact]
    public async Task A_job_that_ended_or_was_cancelled_is_never_joined()
    {
        await using var sut = await CreateStoreAsync(new FakeTimeProvider());
        var key = NewKey();
        var done = NewAdmission(key);
        await sut.Store.AdmitAsync(done, None);
        var attempt = (await sut.Store.TryStartAsync(done.Record.JobId, "run", None)).Attempt;
        await sut.Store.CompleteAsync(done.Record.JobId, attempt, JobOutcome.Succeeded("[]"), None);

        var second = NewAdmission(key);
        var afterEnd = await sut.Store.AdmitAsync(second, None);
        await sut.Store.DetachAsync(afterEnd.JobId, second.FollowerId, CancelReasons.Requested, None);
        var afterCancel = await sut.Store.AdmitAsync(NewAdmission(key), None);

        Assert.False(afterEnd.Joined);
        Assert.NotEqual(done.Record.JobId, afterEnd.JobId);
        Assert.False(afterCancel.Joined);
        Assert.NotEqual(afterEnd.JobId, afterCancel.JobId);
    }

    [Fact]
    public async Task A_follower_that_leaves_sees_its_job_cancelled_at_once_while_the_job_runs_on_for_the_others()
    {
        await using var sut = await CreateStoreAsync(new FakeTimeProvider());
        var key = NewKey();
        var first = NewAdmission(key);
        var second = NewAdmission(key);
        var job = (await sut.Store.AdmitAsync(first, None)).JobId;
        await sut.Store.AdmitAsync(second, None);
        var attempt = (await sut.Store.TryStartAsync(job, "run", None)).Attempt;
        var canceled = 0;
        await using var subscription = await sut.Store.SubscribeCancelAsync(job, () => Interlocked.Increment(ref canceled), None);

        var left = await sut.Store.DetachAsync(job, first.FollowerId, CancelReasons.Requested, None);
        var again = await sut.Store.DetachAsync(job, first.FollowerId, CancelReasons.Superseded, None);
        await sut.Store.AppendUpdatesAsync(job, attempt, ["[2]"], [], None);
        var stayer = await ReadAsync(sut, second, 0, job);
        var leaverLater = await ReadAsync(sut, first, 0);

        Assert.Equal(JobStatus.Canceled, left!.Status);
        Assert.Equal(CancelReasons.Requested, left.CancelReason);
        Assert.Equal(left, again);
        Assert.Equal(left.Version, leaverLater.Version);
        Assert.Equal(JobStatus.Canceled, leaverLater.Status);
        Assert.Equal(JobStatus.Running, stayer.Status);
        Assert.Equal("[2]", stayer.ProgressJson);
        Assert.Equal(0, Volatile.Read(ref canceled));
        Assert.Equal(CompletionResult.Accepted, await sut.Store.CompleteAsync(job, attempt, JobOutcome.Succeeded("[1]"), None));
    }

    [Fact]
    public async Task The_last_follower_leaving_cancels_the_job_at_once_and_its_run_can_write_nothing()
    {
        await using var sut = await CreateStoreAsync(new FakeTimeProvider());
        var a = NewAdmission(NewKey());
        var job = (await sut.Store.AdmitAsync(a, None)).JobId;
        var attempt = (await sut.Store.TryStartAsync(job, "run", None)).Attempt;
        var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscription = await sut.Store.SubscribeCancelAsync(job, () => fired.TrySetResult(), None);

        var left = await sut.Store.DetachAsync(job, a.FollowerId, CancelReasons.Superseded, None);
        await fired.Task.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(JobStatus.Canceled, left!.Status);
        Assert.Equal(CancelReasons.Superseded, left.CancelReason);
        Assert.Equal(CompletionResult.AlreadyEnded, await sut.Store.CompleteAsync(job, attempt, JobOutcome.Succeeded("[1]"), None));
        Assert.Equal(0, (await sut.Store.TryStartAsync(job, "run", None)).Attempt);
        Assert.Null((await ReadAsync(sut, a, 0)).OutputsJson);
    }

    [Fact]
    public async Task A_queued_job_whose_last_follower_leaves_never_starts()
    {
        await using var sut = await CreateStoreAsync(new FakeTimeProvider());
        var a = NewAdmission();
        await sut.Store.AdmitAsync(a, None);

        await sut.Store.DetachAsync(a.Record.JobId, a.FollowerId, CancelReasons.Requested, None);

        Assert.Equal(0, (await sut.Store.TryStartAsync(a.Record.JobId, "run", None)).Attempt);
        Assert.Equal(JobStatus.Canceled, (await ReadAsync(sut, a, 0)).Status);
    }

    [Fact]
    public async Task A_cancel_subscription_fires_once_for_a_cancel_after_it()
    {
        await using var sut = await CreateStoreAsync(new FakeTimeProvider());
        var a = NewAdmission();
        await sut.Store.AdmitAsync(a, None);
        var fired = 0;
        var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        await using (await sut.Store.SubscribeCancelAsync(a.Record.JobId, () => { Interlocked.Increment(ref fired); signal.TrySetResult(); }, None))
        {
            Assert.Equal(1, (await sut.Store.TryStartAsync(a.Record.JobId, "run", None)).Attempt);
            await sut.Store.DetachAsync(a.Record.JobId, a.FollowerId, CancelReasons.Requested, None);
            await signal.Task.WaitAsync(TimeSpan.FromSeconds(10));
            sut.Store.Changes.Signal(a.Record.JobId, canceled: true);
        }

        Assert.Equal(1, Volatile.Read(ref fired));
    }

    [Fact]
    public async Task Start_answers_the_attempt_and_the_record_as_written_in_one_step()
    {
        await using var sut = await CreateStoreAsync(new FakeTimeProvider());
        var admission = NewAdmission();
        var record = admission.Record with
        {
            MatchJson = """{"index":3}""",
            Claims = [new("name", "Ada")],
            AuthenticationType = "Test",
            IdsJson = """[null,[{"type":"row","index":1}]]""",
            RequestValuesJson = """[["de"],null]""",
            TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            AdmittedAt = new DateTimeOffset(2026, 12, 6, 15, 0, 0, 123, TimeSpan.Zero),
        };
        await sut.Store.AdmitAsync(admission with { Record = record }, None);

        var start = await sut.Store.TryStartAsync(record.JobId, "run-1", None);
        var duplicate = await sut.Store.TryStartAsync(record.JobId, "run-2", None);

        Assert.Equal(1, start.Attempt);
        Assert.False(start.Canceled);
        Assert.NotNull(start.Record);
        Assert.Equal(record.Triggered, start.Record.Triggered);
        Assert.Equal(record.Claims, start.Record.Claims);
        Assert.Equal(record with { Triggered = start.Record.Triggered, Claims = start.Record.Claims }, start.Record);
        Assert.Equal(JobStatus.Running, (await ReadAsync(sut, admission, 0)).Status);
        Assert.Equal(IJobStore.DuplicateRun, duplicate.Attempt);
        Assert.Equal(record.CallbackId, duplicate.Record?.CallbackId);
    }

    [Fact]
    public async Task Start_answers_whether_an_ended_job_was_cancelled_and_brings_its_record()
    {
        await using var sut = await CreateStoreAsync(new FakeTimeProvider());
        var canceled = NewAdmission();
        var done = NewAdmission();
        await sut.Store.AdmitAsync(canceled, None);
        await sut.Store.AdmitAsync(done, None);
        await sut.Store.CancelJobAsync(canceled.Record.JobId, CancelReasons.Abandoned, None);
        var attempt = (await sut.Store.TryStartAsync(done.Record.JobId, "run", None)).Attempt;
        await sut.Store.CompleteAsync(done.Record.JobId, attempt, JobOutcome.Succeeded("[1]"), None);

        var afterCancel = await sut.Store.TryStartAsync(canceled.Record.JobId, "run", None);
        var afterEnd = await sut.Store.TryStartAsync(done.Record.JobId, "run-2", None);
        var missing = await sut.Store.TryStartAsync(NewAdmission().Record.JobId, "run", None);

        Assert.Equal(new JobStart(0, afterCancel.Record, Canceled: true), afterCancel);
        Assert.Equal(canceled.Record.CallbackId, afterCancel.Record?.CallbackId);
        Assert.Equal(new JobStart(0, afterEnd.Record, Canceled: false), afterEnd);
        Assert.Equal(done.Record.CallbackId, afterEnd.Record?.CallbackId);
        Assert.Equal(new JobStart(0, null, Canceled: false), missing);
    }

    [Fact]
    public async Task A_cancel_between_subscribe_and_start_fires_the_subscription_and_the_start_answers_it()
    {
        await using var sut = await CreateStoreAsync(new FakeTimeProvider());
        var a = NewAdmission();
        await sut.Store.AdmitAsync(a, None);
        var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscription = await sut.Store.SubscribeCancelAsync(a.Record.JobId, () => fired.TrySetResult(), None);

        await sut.Store.DetachAsync(a.Record.JobId, a.FollowerId, CancelReasons.Requested, None);
        var start = await sut.Store.TryStartAsync(a.Record.JobId, "run", None);

        Assert.Equal(0, start.Attempt);
        Assert.True(start.Canceled);
        await fired.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_second_queue_entry_of_a_running_job_is_refused_and_the_same_entry_restarts_it()
    {
        await using var sut = await CreateStoreAsync(new FakeTimeProvider());
        var a = NewAdmission();
        await sut.Store.AdmitAsync(a, None);
        var job = a.Record.JobId;

        var first = (await sut.Store.TryStartAsync(job, "entry-1", None)).Attempt;
        var duplicate = (await sut.Store.TryStartAsync(job, "entry-2", None)).Attempt;
        var takeover = (await sut.Store.TryStartAsync(job, "entry-1", None)).Attempt;
        await sut.Store.AppendUpdatesAsync(job, first, ["[\"stale\"]"], [], None);
        var staleCompletion = await sut.Store.CompleteAsync(job, first, JobOutcome.Succeeded("[\"stale\"]"), None);
        var view = await ReadAsync(sut, a, 0);

        Assert.Equal(1, first);
        Assert.Equal(IJobStore.DuplicateRun, duplicate);
        Assert.Equal(2, takeover);
        Assert.Equal(CompletionResult.Stale, staleCompletion);
        Assert.Null(view.ProgressJson);
        Assert.Equal(JobStatus.Running, view.Status);
    }

    [Fact]
    public async Task A_requeued_job_is_started_by_any_queue_entry_and_only_the_current_run_can_requeue()
    {
        await using var sut = await CreateStoreAsync(new FakeTimeProvider());
        var a = NewAdmission();
        await sut.Store.AdmitAsync(a, None);
        var job = a.Record.JobId;
        var first = (await sut.Store.TryStartAsync(job, "entry-1", None)).Attempt;

        Assert.True(await sut.Store.RequeueAsync(job, first, None));
        Assert.Equal(JobStatus.Queued, (await ReadAsync(sut, a, 0)).Status);
        var second = (await sut.Store.TryStartAsync(job, "entry-2", None)).Attempt;
        Assert.False(await sut.Store.RequeueAsync(job, first, None));
        Assert.Equal(2, second);
        Assert.Equal(JobStatus.Running, (await ReadAsync(sut, a, 0)).Status);
    }

    [Fact]
    public async Task A_completion_repeated_after_it_was_applied_is_answered_alike_and_changes_nothing()
    {
        await using var sut = await CreateStoreAsync(new FakeTimeProvider());
        var a = NewAdmission();
        await sut.Store.AdmitAsync(a, None);
        var attempt = (await sut.Store.TryStartAsync(a.Record.JobId, "run", None)).Attempt;
        Assert.Equal(CompletionResult.Accepted, await sut.Store.CompleteAsync(a.Record.JobId, attempt, JobOutcome.Succeeded("[1]"), None));
        var ended = await ReadAsync(sut, a, 0);

        var repeated = await sut.Store.CompleteAsync(a.Record.JobId, attempt, JobOutcome.Succeeded("[1]"), None);
        var other = await sut.Store.CompleteAsync(a.Record.JobId, attempt, JobOutcome.Failed("late"), None);

        Assert.NotEqual(CompletionResult.Stale, repeated);
        Assert.NotEqual(CompletionResult.Accepted, other);
        Assert.Equal(ended, await ReadAsync(sut, a, 0), new ViewComparer());
    }

    [Fact]
    public async Task Leaving_a_job_that_has_ended_changes_nothing()
    {
        await using var sut = await CreateStoreAsync(new FakeTimeProvider());
        var a = NewAdmission();
        await sut.Store.AdmitAsync(a, None);
        var attempt = (await sut.Store.TryStartAsync(a.Record.JobId, "run", None)).Attempt;
        await sut.Store.CompleteAsync(a.Record.JobId, attempt, JobOutcome.Succeeded("[1]"), None);
        var ended = await ReadAsync(sut, a, 0);

        var left = await sut.Store.DetachAsync(a.Record.JobId, a.FollowerId, CancelReasons.Requested, None);

        Assert.Equal(JobStatus.Succeeded, left!.Status);
        Assert.Equal(ended, await ReadAsync(sut, a, 0), new ViewComparer());
    }

    [Fact]
    public async Task A_slot_names_the_handle_that_took_it_last()
    {
        await using var sut = await CreateStoreAsync(new FakeTimeProvider());
        var slot = RandomIds.New();

        var none = await sut.Store.ReplaceSlotAsync(slot, "h1", None);
        var first = await sut.Store.ReplaceSlotAsync(slot, "h2", None);
        var again = await sut.Store.ReplaceSlotAsync(slot, "h2", None);

        Assert.Null(none);
        Assert.Equal("h1", first);
        Assert.Equal("h2", again);
        Assert.Equal("h2", await sut.Store.GetSlotAsync(slot, None));
        Assert.Null(await sut.Store.GetSlotAsync(RandomIds.New(), None));
    }

    [Fact]
    public async Task An_admission_stays_in_the_outbox_until_acknowledged_and_a_claim_hands_it_out_once_per_grace()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var sut = await CreateStoreAsync(time);
        var acknowledged = NewAdmission();
        var forgotten = NewAdmission();
        await sut.Store.AdmitAsync(acknowledged, None);
        await sut.Store.AdmitAsync(forgotten, None);
        await sut.Store.AcknowledgeAsync(acknowledged.Handle, None);
        var grace = TimeSpan.FromSeconds(10);

        var early = await sut.Store.ClaimUnacknowledgedAsync(grace, 100, None);
        time.Advance(grace);
        var due = await sut.Store.ClaimUnacknowledgedAsync(grace, 100, None);
        var claimedAgain = await sut.Store.ClaimUnacknowledgedAsync(grace, 100, None);
        time.Advance(grace);
        var dueAgain = await sut.Store.ClaimUnacknowledgedAsync(grace, 100, None);
        await sut.Store.AcknowledgeAsync(forgotten.Handle, None);
        time.Advance(grace);

        Assert.Empty(early);
        Assert.Equal([forgotten.Handle], due);
        Assert.Empty(claimedAgain);
        Assert.Equal([forgotten.Handle], dueAgain);
        Assert.Empty(await sut.Store.ClaimUnacknowledgedAsync(grace, 100, None));
    }

    [Fact]
    public async Task Inspecting_an_admission_tells_the_sweeper_what_it_did_also_when_it_joined()
    {
        await using var sut = await CreateStoreAsync(new FakeTimeProvider());
        var key = NewKey();
        var creator = NewAdmission(key) with { Slot = "slot-a" };
        var joiner = NewAdmission(key) with { Slot = "slot-b" };
        await sut.Store.AdmitAsync(creator, None);
        await sut.Store.AdmitAsync(joiner, None);

        var created = await sut.Store.InspectAsync(creator.Record.JobId, creator.FollowerId, None);
        var joined = await sut.Store.InspectAsync(joiner.Record.JobId, joiner.FollowerId, None);
        await sut.Store.DetachAsync(creator.Record.JobId, joiner.FollowerId, CancelReasons.Superseded, None);
        await sut.Store.TryStartAsync(creator.Record.JobId, "run", None);
        var afterwards = await sut.Store.InspectAsync(joiner.Record.JobId, joiner.FollowerId, None);

        Assert.Equal(new AdmissionState(creator.Record.JobId, true, "slot-a", CreatedJob: true, NeverStarted: true), created);
        Assert.Equal(new AdmissionState(creator.Record.JobId, true, "slot-b", CreatedJob: false, NeverStarted: true), joined);
        Assert.Equal(new AdmissionState(creator.Record.JobId, false, "slot-b", CreatedJob: false, NeverStarted: false), afterwards);
        Assert.Null(await sut.Store.InspectAsync(NewAdmission().Record.JobId, RandomIds.New(), None));
    }

    [Fact]
    public async Task A_change_wakes_a_watch_made_before_it()
    {
        await using var sut = await CreateStoreAsync(new FakeTimeProvider());
        var a = NewAdmission();
        await sut.Store.AdmitAsync(a, None);
        using var watch = sut.Store.Changes.Watch(a.Record.JobId);
        Assert.False(watch.Changed.IsCompleted);

        await sut.Store.TryStartAsync(a.Record.JobId, "run", None);

        await watch.Changed.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task A_detach_that_names_another_owner_changes_nothing_and_answers_as_for_no_follower()
    {
        await using var sut = await CreateStoreAsync(new FakeTimeProvider());
        // A bar in the owner (a user id may hold any character; slots are base64url digests): the owner is what follows
        // the follower's other fields, whatever it holds, and a suffix of it is not the owner.
        var a = NewAdmission(owner: "u:ann|b") with { Slot = "c2xvdA" };
        await sut.Store.AdmitAsync(a, None);
        var before = await ReadAsync(sut, a, 0);

        var byAnother = await sut.Store.DetachAsync(a.Record.JobId, a.FollowerId, CancelReasons.Requested, None, new Owner("b", null, null));
        var bySuffix = await sut.Store.DetachAsync(a.Record.JobId, a.FollowerId, CancelReasons.Requested, None, new Owner("ann|b", null, null));
        var untouched = await ReadAsync(sut, a, 0);
        var byOwner = await sut.Store.DetachAsync(a.Record.JobId, a.FollowerId, CancelReasons.Requested, None, new Owner("u:ann|b", null, null));
        var leftByAnother = await sut.Store.DetachAsync(a.Record.JobId, a.FollowerId, CancelReasons.Requested, None, new Owner("b", null, null));
        var leftByOwner = await sut.Store.DetachAsync(a.Record.JobId, a.FollowerId, CancelReasons.Superseded, None, new Owner("u:ann|b", null, null));

        Assert.Null(byAnother);
        Assert.Null(bySuffix);
        Assert.Equal(before, untouched, new ViewComparer());
        Assert.Equal(JobStatus.Canceled, byOwner!.Status);
        Assert.Equal(CancelReasons.Requested, byOwner.CancelReason);
        Assert.Null(leftByAnother);
        Assert.Equal(CancelReasons.Requested, leftByOwner!.CancelReason);
    }

    [Fact]
    public async Task A_follower_that_does_not_exist_reads_and_detaches_as_null()
    {
        await using var sut = await CreateStoreAsync(new FakeTimeProvider());
        var a = NewAdmission();
        await sut.Store.AdmitAsync(a, None);

        Assert.Null(await sut.Store.ReadAsync(a.Record.JobId, RandomIds.New(), 0, None));
        Assert.Null(await sut.Store.DetachAsync(a.Record.JobId, RandomIds.New(), CancelReasons.Requested, None));
        Assert.Null(await sut.Store.ReadAsync(NewAdmission().Record.JobId, a.FollowerId, 0, None));
    }

    [Fact]
    public async Task A_follow_after_a_version_the_job_has_not_reached_waits_out_its_wait_even_when_the_job_ends()
    {
        var wait = TimeSpan.FromSeconds(3);
        var time = new TimerWatchingTimeProvider();
        await using var sut = await CreateStoreAsync(time);
        var a = NewAdmission();
        await sut.Store.AdmitAsync(a, None);
        var attempt = (await sut.Store.TryStartAsync(a.Record.JobId, "run", None)).Attempt;
        var started = await ReadAsync(sut, a, 0);
        var jobs = NewJobService(sut.Store, time);
        var owner = new Owner(a.Record.Owner, null, string.Empty);
        var after = started.Version + 5;

        var parked = time.NextTimer(wait);
        var follow = jobs.FollowAsync(a.Handle, owner, after, wait, None).AsTask();
        await parked.WaitAsync(TimeSpan.FromSeconds(10));
        var parkedAgain = time.NextTimer(wait);
        await sut.Store.CompleteAsync(a.Record.JobId, attempt, JobOutcome.Succeeded("[1]"), None);
        await Task.WhenAny(follow, parkedAgain).WaitAsync(TimeSpan.FromSeconds(10));

        // The job ended one version past the one the poll started at, still not above 'after': the poll waits on.
        Assert.False(follow.IsCompleted, "the poll answered before its version was reached or its wait ended");
        time.Advance(wait);
        var view = await follow.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(JobStatus.Succeeded, view!.Status);
        Assert.Equal(started.Version + 1, view.Version);
    }

    [Fact]
    public async Task A_start_while_a_follow_waits_answers_it_with_the_view_a_read_gives()
    {
        var wait = TimeSpan.FromSeconds(30);
        var time = new TimerWatchingTimeProvider();
        await using var sut = await CreateStoreAsync(time);
        var a = NewAdmission();
        await sut.Store.AdmitAsync(a, None);
        var queued = await ReadAsync(sut, a, 0);
        var jobs = NewJobService(sut.Store, time);

        var parked = time.NextTimer(wait);
        var follow = jobs.FollowAsync(a.Handle, new Owner(a.Record.Owner, null, string.Empty), queued.Version, wait, None).AsTask();
        await parked.WaitAsync(TimeSpan.FromSeconds(10));
        await sut.Store.TryStartAsync(a.Record.JobId, "run", None);
        var view = await follow.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.NotNull(view);
        Assert.Equal(JobStatus.Running, view.Status);
        Assert.Equal(queued.Version + 1, view.Version);
        Assert.Equal(await ReadAsync(sut, a, queued.Version, withProgressLog: false), view, new ViewComparer());
    }

    [Fact]
    public async Task A_follow_after_the_version_an_ended_job_reached_answers_at_once()
    {
        var time = new FakeTimeProvider();
        await using var sut = await CreateStoreAsync(time);
        var a = NewAdmission();
        await sut.Store.AdmitAsync(a, None);
        var attempt = (await sut.Store.TryStartAsync(a.Record.JobId, "run", None)).Attempt;
        await sut.Store.CompleteAsync(a.Record.JobId, attempt, JobOutcome.Succeeded("[1]"), None);
        var ended = await ReadAsync(sut, a, 0);
        var jobs = NewJobService(sut.Store, time);

        // Nothing newer will ever come: the clock never moves, so only an answer at once ends this.
        var view = await jobs.FollowAsync(a.Handle, new Owner(a.Record.Owner, null, string.Empty), ended.Version, TimeSpan.FromSeconds(3), None).AsTask().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(ended.Version, view!.Version);
        Assert.Equal(JobStatus.Succeeded, view.Status);
    }

    [Fact]
    public async Task Cancelling_a_job_ends_it_at_once_for_every_follower_with_the_jobs_reason_and_its_run_can_write_nothing()
    {
        await using var sut = await CreateStoreAsync(new FakeTimeProvider());
        var key = NewKey();
        var leaver = NewAdmission(key);
        var stayer = NewAdmission(key);
        var job = (await sut.Store.AdmitAsync(leaver, None)).JobId;
        await sut.Store.AdmitAsync(stayer, None);
        var attempt = (await sut.Store.TryStartAsync(job, "run", None)).Attempt;
        var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var subscription = await sut.Store.SubscribeCancelAsync(job, () => fired.TrySetResult(), None);
        var left = await sut.Store.DetachAsync(job, leaver.FollowerId, CancelReasons.Requested, None);
        var before = await ReadAsync(sut, stayer, 0, job);
        using var watch = sut.Store.Changes.Watch(job);

        var canceled = await sut.Store.CancelJobAsync(job, CancelReasons.Timeout, None);
        await fired.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await watch.Changed.WaitAsync(TimeSpan.FromSeconds(10));
        await sut.Store.AppendUpdatesAsync(job, attempt, ["[\"late\"]"], [new("log", """{"children":"late"}""")], None);
        var lateCompletion = await sut.Store.CompleteAsync(job, attempt, JobOutcome.Succeeded("[\"late\"]"), None);
        var again = await sut.Store.CancelJobAsync(job, CancelReasons.Abandoned, None);
        var stayerView = await ReadAsync(sut, stayer, 0, job);
        var leaverView = await ReadAsync(sut, leaver, 0, job);
        var joiner = NewAdmission(key);
        var afterCancel = await sut.Store.AdmitAsync(joiner, None);

        Assert.True(canceled);
        Assert.False(again);
        Assert.Equal(JobStatus.Canceled, stayerView.Status);
        Assert.Equal(CancelReasons.Timeout, stayerView.CancelReason);
        Assert.Equal(before.Version + 1, stayerView.Version);
        Assert.Null(stayerView.OutputsJson);
        Assert.Null(stayerView.ProgressJson);
        Assert.Empty(stayerView.SideUpdates);
        Assert.Equal(CompletionResult.AlreadyEnded, lateCompletion);
        Assert.Equal(0, (await sut.Store.TryStartAsync(job, "run", None)).Attempt);

        // A follower that left before keeps its own reason and version.
        Assert.Equal(left!, leaverView, new ViewComparer());
        Assert.Equal(CancelReasons.Requested, leaverView.CancelReason);
        Assert.False(afterCancel.Joined);
        Assert.Equal(JobRecord.DroppedArguments, (await sut.Store.GetRecordAsync(job, None))!.ArgsJson);
    }

    [Fact]
    public async Task A_cancelled_queued_job_never_starts_and_an_ended_or_missing_job_is_not_cancelled()
    {
        await using var sut = await CreateStoreAsync(new FakeTimeProvider());
        var queued = NewAdmission();
        var done = NewAdmission();
        await sut.Store.AdmitAsync(queued, None);
        await sut.Store.AdmitAsync(done, None);
        var attempt = (await sut.Store.TryStartAsync(done.Record.JobId, "run", None)).Attempt;
        await sut.Store.CompleteAsync(done.Record.JobId, attempt, JobOutcome.Succeeded("[1]"), None);
        var ended = await ReadAsync(sut, done, 0);

        Assert.True(await sut.Store.CancelJobAsync(queued.Record.JobId, CancelReasons.Abandoned, None));
        Assert.False(await sut.Store.CancelJobAsync(done.Record.JobId, CancelReasons.Timeout, None));
        Assert.False(await sut.Store.CancelJobAsync(NewAdmission().Record.JobId, CancelReasons.Timeout, None));

        Assert.Equal(0, (await sut.Store.TryStartAsync(queued.Record.JobId, "run", None)).Attempt);
        var queuedView = await ReadAsync(sut, queued, 0);
        Assert.Equal(JobStatus.Canceled, queuedView.Status);
        Assert.Equal(CancelReasons.Abandoned, queuedView.CancelReason);
        Assert.Equal(ended, await ReadAsync(sut, done, 0), new ViewComparer());
    }

    [Fact]
    public async Task A_job_nobody_sees_is_claimed_after_the_grace_once_per_grace_and_a_sighting_holds_it_back()
    {
        var time = new FakeTimeProvider();
        await using var sut = await CreateStoreAsync(time);
        var unseen = NewAdmission();
        var seen = NewAdmission();
        await sut.Store.AdmitAsync(unseen, None);
        await sut.Store.AdmitAsync(seen, None);

        time.Advance(SightingsGrace / 2);
        await sut.Store.TouchAsync(seen.Record.JobId, TimeSpan.Zero, None);
        Assert.Empty(await sut.Store.ClaimUnseenAsync(SightingsGrace, 100, None));
        time.Advance(SightingsGrace / 2);
        var due = await sut.Store.ClaimUnseenAsync(SightingsGrace, 100, None);
        var heldBack = await sut.Store.ClaimUnseenAsync(SightingsGrace, 100, None);
        time.Advance(SightingsGrace);
        var later = await sut.Store.ClaimUnseenAsync(SightingsGrace, 100, None);

        Assert.Equal([unseen.Record.JobId], due);
        Assert.Empty(heldBack);
        Assert.Equal(new[] { unseen.Record.JobId, seen.Record.JobId }.Order(StringComparer.Ordinal), later.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_sighting_is_written_only_when_the_last_one_is_older_than_asked()
    {
        var time = new FakeTimeProvider();
        await using var sut = await CreateStoreAsync(time);
        var fresh = NewAdmission();
        var stale = NewAdmission();
        await sut.Store.AdmitAsync(fresh, None);
        await sut.Store.AdmitAsync(stale, None);

        time.Advance(TimeSpan.FromSeconds(10));
        await sut.Store.TouchAsync(fresh.Record.JobId, TimeSpan.FromSeconds(30), None);
        await sut.Store.TouchAsync(stale.Record.JobId, TimeSpan.FromSeconds(5), None);
        time.Advance(SightingsGrace - TimeSpan.FromSeconds(10));

        // The sighting 10 s after admission was not written for the job whose admission was younger than 30 s.
        Assert.Equal([fresh.Record.JobId], await sut.Store.ClaimUnseenAsync(SightingsGrace, 100, None));
    }

    [Fact]
    public async Task An_ended_job_is_never_claimed_as_unseen_nor_is_the_name_a_joined_admission_would_have_had()
    {
        var time = new FakeTimeProvider();
        await using var sut = await CreateStoreAsync(time);
        var completed = NewAdmission();
        var left = NewAdmission();
        var canceled = NewAdmission();
        var key = NewKey();
        var creator = NewAdmission(key);
        var joiner = NewAdmission(key);
        await sut.Store.AdmitAsync(completed, None);
        await sut.Store.AdmitAsync(left, None);
        await sut.Store.AdmitAsync(canceled, None);
        var shared = (await sut.Store.AdmitAsync(creator, None)).JobId;
        await sut.Store.AdmitAsync(joiner, None);
        var attempt = (await sut.Store.TryStartAsync(completed.Record.JobId, "run", None)).Attempt;
        await sut.Store.CompleteAsync(completed.Record.JobId, attempt, JobOutcome.Succeeded("[1]"), None);
        await sut.Store.DetachAsync(left.Record.JobId, left.FollowerId, CancelReasons.Requested, None);
        await sut.Store.CancelJobAsync(canceled.Record.JobId, CancelReasons.Timeout, None);
        await sut.Store.TouchAsync(completed.Record.JobId, TimeSpan.Zero, None);

        time.Advance(SightingsGrace);

        Assert.Equal([shared], await sut.Store.ClaimUnseenAsync(SightingsGrace, 100, None));
    }

    /// <summary>The abandoned-job grace the stores under test are built with, so they keep sightings.</summary>
    protected static readonly TimeSpan SightingsGrace = TimeSpan.FromMinutes(1);

    /// <summary>An admission of a fresh job; joinable when it has a key.</summary>
    internal static Admission NewAdmission(string? key = null, string owner = "s:owner")
    {
        var record = new JobRecord(
            JobHandles.NewJobId(key),
            owner,
            "callback",
            key,
            """[1,"two",{"three":[3]}]""",
            ["button.n_clicks"],
            [],
            null);
        var follower = RandomIds.New();
        return new Admission(record, follower, JobHandles.Format(follower, record.JobId, "default"), null, Joinable: key is not null);
    }

    internal static string NewKey() => Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());

    private static async Task<JobView> ReadAsync(StoreUnderTest sut, Admission admission, long after, string? jobId = null, bool withProgressLog = true) =>
        await sut.Store.ReadAsync(jobId ?? admission.Record.JobId, admission.FollowerId, after, None, withProgressLog)
        ?? throw new InvalidOperationException("The follower is not there.");

    private sealed class ViewComparer : IEqualityComparer<JobView>
    {
        public bool Equals(JobView? x, JobView? y) =>
            x is not null && y is not null && x with { SideUpdates = [], ProgressReports = [] } == y with { SideUpdates = [], ProgressReports = [] }
            && x.SideUpdates.SequenceEqual(y.SideUpdates) && x.ProgressReports.SequenceEqual(y.ProgressReports);

        public int GetHashCode(JobView obj) => obj.Version.GetHashCode();
    }

    private static JobService NewJobService(IJobStore store, TimeProvider time)
    {
        var options = Microsoft.Extensions.Options.Options.Create(new BackgroundCallbacksOptions { ScanEntryAssembly = false });
        return new JobService(new CallbackManagers(options, new SingleBackendProvider(store)), new CallbackRegistry(new CallbackSources(), options), time);
    }
}
