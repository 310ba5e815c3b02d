namespace BackgroundCallbacks.Jobs;

/// <summary>
/// Holds jobs, their followers and the outbox of admitted jobs, and tells this process's waiters when a job changes.
/// Each backend has one; all processes sharing a backend see the same jobs. Jobs/readme.md states the concurrency rules
/// each implementation keeps, and the contract tests run the same cases against every implementation.
/// </summary>
internal interface IJobStore
{
    /// <summary>Wakes this process's waiters by job id; every change a store makes, here or in another process, reaches it.</summary>
    JobChangeNotifier Changes { get; }

    /// <summary>
    /// Admits an invocation in one atomic step: when <see cref="Admission.Joinable"/>, joins an unended, uncancelled job
    /// with the record's key by adding the follower to it; otherwise, or when there is none, creates the job with the
    /// follower as its first. Either way the follower's handle is put in the outbox until it is acknowledged.
    /// </summary>
    ValueTask<AdmissionResult> AdmitAsync(Admission admission, CancellationToken cancellationToken);

    /// <summary>Makes <paramref name="handle"/> the follower of <paramref name="slot"/> and returns the one it replaced; safe to repeat.</summary>
    ValueTask<string?> ReplaceSlotAsync(string slot, string handle, CancellationToken cancellationToken);

    /// <summary>The handle that holds <paramref name="slot"/> now, or null.</summary>
    ValueTask<string?> GetSlotAsync(string slot, CancellationToken cancellationToken);

    /// <summary>
    /// The job as the follower sees it, with what is newer than <paramref name="afterVersion"/>; null when there is no such
    /// follower. The progress log (<see cref="JobView.ProgressReports"/>) is read only when <paramref name="withProgressLog"/>:
    /// a follower that shows the latest progress alone (a browser) does not pay for up to
    /// <see cref="ProgressLogLength"/> reports on every read.
    /// </summary>
    ValueTask<JobView?> ReadAsync(string jobId, string followerId, long afterVersion, CancellationToken cancellationToken, bool withProgressLog = false);

    /// <summary>
    /// Detaches a follower: from now on it sees the job as cancelled for <paramref name="reason"/>. When it was the last,
    /// the job is cancelled at once: it ends as <c>canceled</c>, and a running handler's token fires. Safe to repeat;
    /// null when there is no such follower. With <paramref name="owner"/>, only a follower of that owner is detached, in the
    /// same step (null otherwise, as for no follower), so a cancel needs no read before it.
    /// </summary>
    ValueTask<JobView?> DetachAsync(string jobId, string followerId, string reason, CancellationToken cancellationToken, Owners.Owner? owner = null);

    /// <summary>Takes an admission out of the outbox: its job was handed to the queue (or joined) and its slot was set.</summary>
    ValueTask AcknowledgeAsync(string handle, CancellationToken cancellationToken);

    /// <summary>
    /// Returns up to <paramref name="max"/> handles admitted longer than <paramref name="olderThan"/> ago and never
    /// acknowledged, and holds them back from other callers for as long again, so one sweeper handles each.
    /// </summary>
    ValueTask<IReadOnlyList<string>> ClaimUnacknowledgedAsync(TimeSpan olderThan, int max, CancellationToken cancellationToken);

    /// <summary>What became of an admission, for the sweeper; null when its job is gone.</summary>
    ValueTask<AdmissionState?> InspectAsync(string jobId, string followerId, CancellationToken cancellationToken);

    ValueTask<JobRecord?> GetRecordAsync(string jobId, CancellationToken cancellationToken);

    /// <summary>
    /// Starts a run of a job that has not ended and answers, in one step, the run's attempt number (1, 2, …), the job's
    /// record and whether the job was cancelled. The attempt is 0 when the job has ended or does not exist (the record
    /// still comes with an ended job). A running job is started again only by the same queue entry
    /// (<paramref name="runId"/>): its worker died and the queue gave the entry to another; for any other entry the
    /// attempt is <see cref="DuplicateRun"/>. A worker subscribes to the job's cancel (<see cref="SubscribeCancelAsync"/>)
    /// before it starts it, so a cancel is either seen here or heard by the subscription.
    /// </summary>
    ValueTask<JobStart> TryStartAsync(string jobId, string runId, CancellationToken cancellationToken);

    /// <summary>
    /// Writes progress reports (oldest first) and side updates of a running job in one change, unless
    /// <paramref name="attempt"/> is no longer the current run. Each report joins the job's progress log with the next
    /// sequence number; the last becomes the job's progress.
    /// </summary>
    ValueTask AppendUpdatesAsync(string jobId, int attempt, IReadOnlyList<string> progressReports, IReadOnlyList<KeyValuePair<string, string>> sideUpdates, CancellationToken cancellationToken);

    /// <summary>Ends a job with its outcome, unless it has ended already or <paramref name="attempt"/> is not the current run.</summary>
    ValueTask<CompletionResult> CompleteAsync(string jobId, int attempt, JobOutcome outcome, CancellationToken cancellationToken);

    /// <summary>Puts a started job back in the queued state, for a retry or a worker that shuts down; only for the current run.</summary>
    ValueTask<bool> RequeueAsync(string jobId, int attempt, CancellationToken cancellationToken);

    /// <summary>
    /// Calls <paramref name="onCancel"/> once when the job is cancelled after this call returned. It does not look at the
    /// job: a cancel made before it is what <see cref="TryStartAsync"/>, called after it, answers.
    /// </summary>
    ValueTask<IAsyncDisposable> SubscribeCancelAsync(string jobId, Action onCancel, CancellationToken cancellationToken);

    /// <summary>What <see cref="TryStartAsync"/> answers for a second queue entry of a job that runs already.</summary>
    public const int DuplicateRun = -1;

    /// <summary>
    /// How many progress reports a job's log keeps, the newest; older ones are dropped. A follower that falls more than
    /// this many reports behind between two reads sees the oldest of them dropped.
    /// </summary>
    public const int ProgressLogLength = 64;

    /// <summary>
    /// Ends a job that has not ended as <c>canceled</c> for <paramref name="reason"/> (a time limit, or nobody follows it),
    /// in one step: every follower that has not left sees that reason, a running handler's token fires, and its run can
    /// write nothing more. Its sighting is forgotten. True when this call ended the job; false when it had ended or is gone.
    /// </summary>
    ValueTask<bool> CancelJobAsync(string jobId, string reason, CancellationToken cancellationToken);

    /// <summary>
    /// Marks an unended job as seen by a follower now. Writes only when its last sighting is older than
    /// <paramref name="staleAfter"/>, so a busy poll loop does not write on every poll. Admission counts as a sighting.
    /// Only a store built to track sightings (the abandoned-job grace is set) keeps them; others ignore this.
    /// </summary>
    ValueTask TouchAsync(string jobId, TimeSpan staleAfter, CancellationToken cancellationToken);

    /// <summary>
    /// Returns up to <paramref name="max"/> unended jobs not seen for <paramref name="olderThan"/> (without looking at
    /// the others), and holds them back from other callers for as long again, so one sweeper handles each.
    /// </summary>
    ValueTask<IReadOnlyList<string>> ClaimUnseenAsync(TimeSpan olderThan, int max, CancellationToken cancellationToken);
}
