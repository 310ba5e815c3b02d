namespace BackgroundCallbacks.Jobs;

/// <summary>
/// Holds every job's record and state, and tells waiters when a job changes. Each backend has one; all
/// processes sharing a backend see the same jobs.
/// </summary>
internal interface IJobStateStore
{
    ValueTask CreateAsync(JobRecord record, CancellationToken cancellationToken);

    ValueTask<JobRecord?> GetRecordAsync(string handle, CancellationToken cancellationToken);

    ValueTask<JobSnapshot?> GetAsync(string handle, CancellationToken cancellationToken);

    /// <summary>
    /// Returns the job once its version is above <paramref name="afterVersion"/> or it has ended, or after
    /// <paramref name="maxWait"/> with what there is; null when there is no such job. Holds no thread while waiting.
    /// </summary>
    ValueTask<JobSnapshot?> WaitForChangeAsync(string handle, long afterVersion, TimeSpan maxWait, CancellationToken cancellationToken);

    /// <summary>
    /// Starts a run of a job that has not ended and was not cancelled, and returns the run's attempt number (1, 2, …);
    /// 0 when the job has ended, was cancelled, or does not exist. A job found running is started again: its worker
    /// died or gave it up, and the earlier run's attempt is no longer current.
    /// </summary>
    ValueTask<int> TryStartAsync(string handle, CancellationToken cancellationToken);

    /// <summary>Writes progress and side updates of a running job in one change, unless <paramref name="attempt"/> is no longer the current run.</summary>
    ValueTask AppendUpdatesAsync(string handle, int attempt, string? progressJson, IReadOnlyList<KeyValuePair<string, string>> sideUpdates, CancellationToken cancellationToken);

    /// <summary>
    /// Ends a job; false when it had already ended (a cancel won) or <paramref name="attempt"/> is not the current run
    /// (a late result of a superseded run), in which case nothing is written.
    /// </summary>
    ValueTask<bool> CompleteAsync(string handle, int attempt, JobOutcome outcome, CancellationToken cancellationToken);

    /// <summary>Puts a started job back in the queued state, for a retry or a worker that shuts down; only for the current run.</summary>
    ValueTask RequeueAsync(string handle, int attempt, CancellationToken cancellationToken);

    /// <summary>
    /// Cancels a job: one that has not started ends at once; a running one is signalled and ends when its
    /// handler returns. False when the job does not exist or has already ended.
    /// </summary>
    ValueTask<bool> RequestCancelAsync(string handle, string reason, CancellationToken cancellationToken);

    /// <summary>Makes <paramref name="handle"/> the active job of <paramref name="slot"/> and returns the one it replaced.</summary>
    ValueTask<string?> ReplaceActiveAsync(string slot, string handle, CancellationToken cancellationToken);

    /// <summary>Calls <paramref name="onCancel"/> once when a cancel is asked for the job, also if it was asked before.</summary>
    ValueTask<IAsyncDisposable> SubscribeCancelAsync(string handle, Action onCancel, CancellationToken cancellationToken);
}
