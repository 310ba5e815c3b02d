using Microsoft.Extensions.Logging;

namespace BackgroundCallbacks.Diagnostics;

/// <summary>Every log message of the library. Keys, inputs and outputs are never logged: they may hold personal data.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Debug, "Job {JobId} handed to queue {Queue}.", EventName = "JobQueued")]
    public static partial void JobQueued(ILogger logger, string jobId, string queue);

    [LoggerMessage(2, LogLevel.Debug, "Callback {CallbackId} answered from the result cache.", EventName = "CacheHit")]
    public static partial void CacheHit(ILogger logger, string callbackId);

    [LoggerMessage(3, LogLevel.Debug, "An invocation of callback {CallbackId} superseded the page's previous one.", EventName = "JobSuperseded")]
    public static partial void JobSuperseded(ILogger logger, string callbackId);

    [LoggerMessage(4, LogLevel.Debug, "An invocation of callback {CallbackId} joined job {JobId}.", EventName = "JobJoined")]
    public static partial void JobJoined(ILogger logger, string callbackId, string jobId);

    [LoggerMessage(5, LogLevel.Debug, "Job {JobId} of callback {CallbackId} admitted.", EventName = "JobAdmitted")]
    public static partial void JobAdmitted(ILogger logger, string jobId, string callbackId);

    [LoggerMessage(10, LogLevel.Debug, "Job {JobId} of callback {CallbackId} started (attempt {Attempt}).", EventName = "JobStarted")]
    public static partial void JobStarted(ILogger logger, string jobId, string callbackId, int attempt);

    [LoggerMessage(11, LogLevel.Debug, "Job {JobId} of callback {CallbackId} succeeded.", EventName = "JobSucceeded")]
    public static partial void JobSucceeded(ILogger logger, string jobId, string callbackId);

    [LoggerMessage(12, LogLevel.Error, "Job {JobId} of callback {CallbackId} failed.", EventName = "JobFailed")]
    public static partial void JobFailed(ILogger logger, Exception exception, string jobId, string callbackId);

    [LoggerMessage(13, LogLevel.Information, "Job {JobId} of callback {CallbackId} was cancelled before its handler returned; its result is dropped.", EventName = "JobCanceled")]
    public static partial void JobCanceled(ILogger logger, string jobId, string callbackId);

    [LoggerMessage(14, LogLevel.Warning, "Job {JobId} of callback {CallbackId} failed on attempt {Attempt}; retrying in {Delay}.", EventName = "JobRetrying")]
    public static partial void JobRetrying(ILogger logger, Exception exception, string jobId, string callbackId, int attempt, TimeSpan delay);

    [LoggerMessage(15, LogLevel.Warning, "Job {JobId} was not found; it expired or was never created.", EventName = "JobMissing")]
    public static partial void JobMissing(ILogger logger, string jobId);

    [LoggerMessage(16, LogLevel.Error, "The error handler of callback {CallbackId} failed too.", EventName = "OnErrorFailed")]
    public static partial void OnErrorFailed(ILogger logger, Exception exception, string callbackId);

    [LoggerMessage(17, LogLevel.Warning, "A progress or side update could not be written.", EventName = "UpdateWriteFailed")]
    public static partial void UpdateWriteFailed(ILogger logger, Exception exception);

    [LoggerMessage(18, LogLevel.Information, "Job {JobId} stopped because this worker is shutting down; it is back in the queue for another worker.", EventName = "JobInterrupted")]
    public static partial void JobInterrupted(ILogger logger, string jobId);

    [LoggerMessage(19, LogLevel.Warning, "A result could not be written to the cache.", EventName = "CacheWriteFailed")]
    public static partial void CacheWriteFailed(ILogger logger, Exception exception);

    [LoggerMessage(21, LogLevel.Warning, "The handler of job {JobId} (callback {CallbackId}) has not returned {Delay} after its cancellation token fired. Cancellation is cooperative: a handler must observe its token, or it keeps its worker busy for nothing.", EventName = "CancelIgnored")]
    public static partial void CancelIgnored(ILogger logger, string jobId, string callbackId, TimeSpan delay);

    [LoggerMessage(22, LogLevel.Information, "A late outcome of job {JobId} (callback {CallbackId}, attempt {Attempt}) was dropped: a newer run owns the job.", EventName = "StaleRunDiscarded")]
    public static partial void StaleRunDiscarded(ILogger logger, string jobId, string callbackId, int attempt);

    [LoggerMessage(23, LogLevel.Debug, "A second queue entry of job {JobId} was dropped: the job runs already.", EventName = "DuplicateRun")]
    public static partial void DuplicateRun(ILogger logger, string jobId);

    [LoggerMessage(24, LogLevel.Warning, "Running job {JobId} failed outside its handler; the queue will try it again.", EventName = "RunFailed")]
    public static partial void RunFailed(ILogger logger, Exception exception, string jobId);

    [LoggerMessage(30, LogLevel.Information, "Started {WorkerCount} callback workers on backend {Backend} for queues {Queues}.", EventName = "WorkersStarted")]
    public static partial void WorkersStarted(ILogger logger, int workerCount, string backend, string queues);

    [LoggerMessage(31, LogLevel.Warning, "Job {JobId} could not be handed to its queue; trying again in {Delay}.", EventName = "EnqueueFailed")]
    public static partial void EnqueueFailed(ILogger logger, Exception exception, string jobId, TimeSpan delay);

    [LoggerMessage(32, LogLevel.Information, "Job {JobId} was not handed to its queue before this process stopped; a sweeper will.", EventName = "EnqueueDeferred")]
    public static partial void EnqueueDeferred(ILogger logger, string jobId);

    [LoggerMessage(33, LogLevel.Debug, "An admission could not be acknowledged; a sweeper will.", EventName = "AcknowledgeFailed")]
    public static partial void AcknowledgeFailed(ILogger logger, Exception exception);

    [LoggerMessage(34, LogLevel.Warning, "Job {JobId} was admitted but never queued (its process stopped first); queueing it now.", EventName = "AdmissionRecovered")]
    public static partial void AdmissionRecovered(ILogger logger, string jobId);

    [LoggerMessage(35, LogLevel.Information, "A follower of job {JobId} was left behind by a process that stopped before it took its slot; detached.", EventName = "OrphanDetached")]
    public static partial void OrphanDetached(ILogger logger, string jobId);

    [LoggerMessage(36, LogLevel.Debug, "The sweep of backend {Backend} could not finish; the next one goes on.", EventName = "SweepFailed")]
    public static partial void SweepFailed(ILogger logger, Exception exception, string backend);

    [LoggerMessage(20, LogLevel.Warning, "The backend could not be reached; the request was answered with 503.", EventName = "BackendUnavailable")]
    public static partial void BackendUnavailable(ILogger logger, Exception exception);

    [LoggerMessage(40, LogLevel.Debug, "Invocation of callback {CallbackId} rejected: {Reason}", EventName = "InvocationRejected")]
    public static partial void InvocationRejected(ILogger logger, string callbackId, string reason);

    [LoggerMessage(50, LogLevel.Error, "Inline call of callback {CallbackId} failed.", EventName = "InlineFailed")]
    public static partial void InlineFailed(ILogger logger, Exception exception, string callbackId);

    [LoggerMessage(51, LogLevel.Debug, "The cached result of callback {CallbackId} holds a server-side value that has gone; computing it again.", EventName = "CachedReferenceGone")]
    public static partial void CachedReferenceGone(ILogger logger, string callbackId);

    [LoggerMessage(52, LogLevel.Debug, "An upload was refused: {Reason}", EventName = "UploadRejected")]
    public static partial void UploadRejected(ILogger logger, string reason);

    [LoggerMessage(60, LogLevel.Debug, "An event stream was refused: {Reason}", EventName = "EventStreamRejected")]
    public static partial void EventStreamRejected(ILogger logger, string reason);

    [LoggerMessage(61, LogLevel.Warning, "An event stream was ended because the backend could not be reached; its client reconnects.", EventName = "EventStreamInterrupted")]
    public static partial void EventStreamInterrupted(ILogger logger, Exception exception);

    [LoggerMessage(70, LogLevel.Debug, "Job {JobId} waits in line {Line} at position {Position}.", EventName = "JobWaiting")]
    public static partial void JobWaiting(ILogger logger, string jobId, string line, long position);

    [LoggerMessage(71, LogLevel.Debug, "Job {JobId} was given a running place and queued.", EventName = "JobGivenPlace")]
    public static partial void JobGivenPlace(ILogger logger, string jobId);

    [LoggerMessage(72, LogLevel.Information, "An invocation of callback {CallbackId} was refused: line {Line} holds {Waiting} waiting jobs.", EventName = "QueueFull")]
    public static partial void QueueFull(ILogger logger, string callbackId, string line, long waiting);

    [LoggerMessage(73, LogLevel.Information, "An invocation of callback {CallbackId} was refused: its caller follows {Max} unended jobs.", EventName = "TooManyJobs")]
    public static partial void TooManyJobs(ILogger logger, string callbackId, int max);

    [LoggerMessage(74, LogLevel.Warning, "Job {JobId} held a running place of line {Line} without a sign of life since {Since}; it is queued again.", EventName = "StalePlace")]
    public static partial void StalePlace(ILogger logger, string jobId, string line, DateTimeOffset since);

    [LoggerMessage(75, LogLevel.Warning, "Keeping the lines failed; trying again at the next round.", EventName = "LineKeepingFailed")]
    public static partial void LineKeepingFailed(ILogger logger, Exception exception);

    [LoggerMessage(90, LogLevel.Debug, "An invocation of callback {CallbackId} repeated an Idempotency-Key; answered with the first answer.", EventName = "IdempotentReplay")]
    public static partial void IdempotentReplay(ILogger logger, string callbackId);

    [LoggerMessage(91, LogLevel.Debug, "An invocation of callback {CallbackId} repeated an Idempotency-Key it cannot use (reused for other content: {Reused}).", EventName = "IdempotencyConflict")]
    public static partial void IdempotencyConflict(ILogger logger, string callbackId, bool reused);

    [LoggerMessage(92, LogLevel.Information, "Cached results evicted: {Scope}.", EventName = "CacheEvicted")]
    public static partial void CacheEvicted(ILogger logger, string scope);

    [LoggerMessage(93, LogLevel.Information, "Cached results of manager {Manager} cleared at startup ({Count} callbacks); processes starting in the next {Window} leave them.", EventName = "CacheClearedOnStartup")]
    public static partial void CacheClearedOnStartup(ILogger logger, string manager, int count, TimeSpan window);

    [LoggerMessage(94, LogLevel.Information, "Cached results of manager {Manager} not cleared at startup: another process cleared them less than {Window} ago.", EventName = "CacheClearSkipped")]
    public static partial void CacheClearSkipped(ILogger logger, string manager, TimeSpan window);

    [LoggerMessage(95, LogLevel.Warning, "Cached results of manager {Manager} could not be cleared at startup; earlier results may be served until they expire or are evicted.", EventName = "CacheClearFailed")]
    public static partial void CacheClearFailed(ILogger logger, Exception exception, string manager);

    [LoggerMessage(25, LogLevel.Information, "Job {JobId} of callback {CallbackId} passed its time limit of {Limit}; it was cancelled for every follower.", EventName = "JobTimedOut")]
    public static partial void JobTimedOut(ILogger logger, string jobId, string callbackId, TimeSpan limit);

    [LoggerMessage(26, LogLevel.Warning, "Job {JobId} of callback {CallbackId} passed its time limit, and the job store could not be told; its handler's token fires all the same.", EventName = "TimeoutNotRecorded")]
    public static partial void TimeoutNotRecorded(ILogger logger, Exception exception, string jobId, string callbackId);

    [LoggerMessage(37, LogLevel.Information, "Job {JobId} was cancelled: no follower polled or streamed it for {Grace}.", EventName = "JobAbandoned")]
    public static partial void JobAbandoned(ILogger logger, string jobId, TimeSpan grace);

    // Hangfire's own lines, at their own level, in the category of the Hangfire type that wrote them.
    [LoggerMessage(EventId = 200, EventName = "HangfireLine", Message = "{HangfireMessage}")]
    public static partial void HangfireLine(ILogger logger, LogLevel level, Exception? exception, string hangfireMessage);
}
