using Microsoft.Extensions.Logging;

namespace BackgroundCallbacks.Redis.Diagnostics;

/// <summary>Every log message of the Redis backend. Keys, inputs and outputs are never logged.</summary>
internal static partial class Log
{
    [LoggerMessage(100, LogLevel.Warning, "The Redis connection to {EndPoint} ({ConnectionType}) failed: {FailureType}.", EventName = "RedisConnectionFailed")]
    public static partial void ConnectionFailed(ILogger logger, Exception? exception, string endPoint, string connectionType, string failureType);

    [LoggerMessage(101, LogLevel.Information, "The Redis connection to {EndPoint} ({ConnectionType}) is restored.", EventName = "RedisConnectionRestored")]
    public static partial void ConnectionRestored(ILogger logger, string endPoint, string connectionType);

    [LoggerMessage(102, LogLevel.Warning, "Could not subscribe to job changes yet; waiting for Redis to come back.", EventName = "RedisSubscribeFailed")]
    public static partial void SubscribeFailed(ILogger logger, Exception exception);

    [LoggerMessage(103, LogLevel.Warning, "Redis is unreachable while a worker writes job {Handle}; retrying for up to {Window}.", EventName = "RedisWorkerWriteRetrying")]
    public static partial void WorkerWriteRetrying(ILogger logger, string handle, TimeSpan window);

    [LoggerMessage(104, LogLevel.Debug, "The fallback check for cancel signals could not reach Redis.", EventName = "RedisCancelCheckFailed")]
    public static partial void CancelCheckFailed(ILogger logger, Exception exception);

    [LoggerMessage(105, LogLevel.Information, "Redis backend ready: workers are taken for dead after {DeadWorkerTimeout}; a dead worker's jobs run again within {TypicalRecovery}, {RecoveryBound} at worst.", EventName = "RedisBackendReady")]
    public static partial void BackendReady(ILogger logger, TimeSpan deadWorkerTimeout, TimeSpan typicalRecovery, TimeSpan recoveryBound);

    [LoggerMessage(106, LogLevel.Error, "The workers could not start: Hangfire's Redis connection could not be made; trying again in {Delay}.", EventName = "RedisWorkersNotStarted")]
    public static partial void WorkersNotStarted(ILogger logger, Exception exception, TimeSpan delay);

    [LoggerMessage(107, LogLevel.Error, "Redis is a cluster, and a setting cannot work there: {Problems}", EventName = "RedisClusterSettingsInvalid")]
    public static partial void ClusterSettingsInvalid(ILogger logger, string problems);

    [LoggerMessage(108, LogLevel.Information, "Redis is a cluster: jobs, cached results and values spread over its shards; Hangfire's storage, under the prefix {HangfirePrefix}, lives on one.", EventName = "RedisClusterDetected")]
    public static partial void ClusterDetected(ILogger logger, string hangfirePrefix);

    [LoggerMessage(109, LogLevel.Warning, "Redis node {Stale} answered as a primary beside the primary the sentinels name, {Named}: it was made a replica of {Named} (what the sentinels do a few seconds later), so no more writes are lost on it.", EventName = "RedisStalePrimaryDemoted")]
    public static partial void StalePrimaryDemoted(ILogger logger, string stale, string named);

    [LoggerMessage(110, LogLevel.Warning, "The sentinels name {Named} as the primary, a node the backend's Redis connection did not know when it was made (it only knows the nodes the sentinels named then): restart the process to reach it.", EventName = "RedisSentinelPrimaryUnknown")]
    public static partial void SentinelPrimaryUnknown(ILogger logger, string named);

    [LoggerMessage(111, LogLevel.Warning, "The first connection to Redis through {Setting} could not be made (refused, or not made within its connect timeout of {Timeout} ms); requests needing it are answered 503 while it keeps trying in the background.", EventName = "RedisNotConnected")]
    public static partial void NotConnected(ILogger logger, string setting, int timeout);
}
