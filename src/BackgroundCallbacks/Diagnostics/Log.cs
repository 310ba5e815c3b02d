using Microsoft.Extensions.Logging;

namespace BackgroundCallbacks.Diagnostics;

/// <summary>Every log message of the library. Keys, inputs and outputs are never logged: they may hold personal data.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Debug, "Job {Handle} of callback {CallbackId} queued.", EventName = "JobQueued")]
    public static partial void JobQueued(ILogger logger, string handle, string callbackId);

    [LoggerMessage(2, LogLevel.Debug, "Callback {CallbackId} answered from the result cache.", EventName = "CacheHit")]
    public static partial void CacheHit(ILogger logger, string callbackId);

    [LoggerMessage(3, LogLevel.Information, "Job {Handle} of callback {CallbackId} superseded job {Previous}.", EventName = "JobSuperseded")]
    public static partial void JobSuperseded(ILogger logger, string handle, string callbackId, string previous);

    [LoggerMessage(10, LogLevel.Debug, "Job {Handle} of callback {CallbackId} started (attempt {Attempt}).", EventName = "JobStarted")]
    public static partial void JobStarted(ILogger logger, string handle, string callbackId, int attempt);

    [LoggerMessage(11, LogLevel.Debug, "Job {Handle} of callback {CallbackId} succeeded.", EventName = "JobSucceeded")]
    public static partial void JobSucceeded(ILogger logger, string handle, string callbackId);

    [LoggerMessage(12, LogLevel.Error, "Job {Handle} of callback {CallbackId} failed.", EventName = "JobFailed")]
    public static partial void JobFailed(ILogger logger, Exception exception, string handle, string callbackId);

    [LoggerMessage(13, LogLevel.Information, "Job {Handle} of callback {CallbackId} was cancelled ({Reason}).", EventName = "JobCanceled")]
    public static partial void JobCanceled(ILogger logger, string handle, string callbackId, string reason);

    [LoggerMessage(14, LogLevel.Warning, "Job {Handle} of callback {CallbackId} failed on attempt {Attempt}; retrying in {Delay}.", EventName = "JobRetrying")]
    public static partial void JobRetrying(ILogger logger, Exception exception, string handle, string callbackId, int attempt, TimeSpan delay);

    [LoggerMessage(15, LogLevel.Warning, "Job {Handle} was not found; it expired or was never created.", EventName = "JobMissing")]
    public static partial void JobMissing(ILogger logger, string handle);

    [LoggerMessage(16, LogLevel.Error, "The error handler of callback {CallbackId} failed too.", EventName = "OnErrorFailed")]
    public static partial void OnErrorFailed(ILogger logger, Exception exception, string callbackId);

    [LoggerMessage(17, LogLevel.Warning, "A progress or side update could not be written.", EventName = "UpdateWriteFailed")]
    public static partial void UpdateWriteFailed(ILogger logger, Exception exception);

    [LoggerMessage(18, LogLevel.Information, "Job {Handle} stopped because this worker is shutting down; it will be run again.", EventName = "JobInterrupted")]
    public static partial void JobInterrupted(ILogger logger, string handle);

    [LoggerMessage(19, LogLevel.Warning, "A result could not be written to the cache.", EventName = "CacheWriteFailed")]
    public static partial void CacheWriteFailed(ILogger logger, Exception exception);

    [LoggerMessage(30, LogLevel.Information, "Started {WorkerCount} callback workers on backend {Backend} for queues {Queues}.", EventName = "WorkersStarted")]
    public static partial void WorkersStarted(ILogger logger, int workerCount, string backend, string queues);

    [LoggerMessage(20, LogLevel.Warning, "The backend could not be reached; the request was answered with 503.", EventName = "BackendUnavailable")]
    public static partial void BackendUnavailable(ILogger logger, Exception exception);

    [LoggerMessage(40, LogLevel.Debug, "Invocation of callback {CallbackId} rejected: {Reason}", EventName = "InvocationRejected")]
    public static partial void InvocationRejected(ILogger logger, string callbackId, string reason);
}
