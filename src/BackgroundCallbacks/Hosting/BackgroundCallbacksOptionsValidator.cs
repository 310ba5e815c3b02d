using BackgroundCallbacks.Registry;
using Microsoft.Extensions.Options;

namespace BackgroundCallbacks.Hosting;

internal sealed class BackgroundCallbacksOptionsValidator : IValidateOptions<BackgroundCallbacksOptions>
{
    public ValidateOptionsResult Validate(string? name, BackgroundCallbacksOptions options)
    {
        var failures = new List<string>();
        ValidateManager("The default manager", options, failures);
        foreach (var (managerName, manager) in options.Managers)
        {
            if (!ManagerNames.IsValid(managerName) || managerName == ManagerNames.Default)
            {
                failures.Add($"The manager name '{managerName}' is not valid: use 1 to 32 lowercase letters, digits, '-' or '_', and not '{ManagerNames.Default}'.");
            }

            ValidateManager($"The manager '{managerName}'", manager, failures);
        }

        if (options.JobRetention <= TimeSpan.Zero)
        {
            failures.Add($"JobRetention must be positive (it is {options.JobRetention}).");
        }

        if (options.MaxRequestBodySize <= 0)
        {
            failures.Add($"MaxRequestBodySize must be positive (it is {options.MaxRequestBodySize}).");
        }

        if (options.ResultCacheSizeLimit <= 0)
        {
            failures.Add($"ResultCacheSizeLimit must be positive (it is {options.ResultCacheSizeLimit}).");
        }

        if (options.MaxArgumentSize <= 0)
        {
            failures.Add($"MaxArgumentSize must be positive (it is {options.MaxArgumentSize}).");
        }

        if (options.MaxLongPollWait < TimeSpan.Zero)
        {
            failures.Add($"MaxLongPollWait cannot be negative (it is {options.MaxLongPollWait}).");
        }

        if (options.WorkerCount < 1)
        {
            failures.Add($"WorkerCount must be at least 1 (it is {options.WorkerCount}).");
        }

        foreach (var (groupName, group) in options.ConcurrencyGroups)
        {
            if (string.IsNullOrWhiteSpace(groupName) || groupName.Length > 64 || groupName.Any(char.IsWhiteSpace))
            {
                failures.Add($"The concurrency group name '{groupName}' is not valid: use 1 to 64 characters and no spaces.");
            }

            if (group.MaxRunning < 1 || group.MaxQueued < 0)
            {
                failures.Add($"The concurrency group '{groupName}' needs MaxRunning of at least 1 and MaxQueued of at least 0 (they are {group.MaxRunning} and {group.MaxQueued}).");
            }
        }

        if (options.MaxLiveJobsPerOwner is < 1)
        {
            failures.Add($"MaxLiveJobsPerOwner must be at least 1 when set (it is {options.MaxLiveJobsPerOwner}).");
        }

        if (options.AbandonedJobGrace is { } grace && grace <= BackgroundCallbacksOptions.ClientMaxRetryDelay)
        {
            failures.Add($"AbandonedJobGrace must exceed the browser client's longest retry delay, {BackgroundCallbacksOptions.ClientMaxRetryDelay.TotalSeconds} s (it is {grace}).");
        }

        if (options.AbandonedJobGrace is { } followGrace && (followGrace <= options.MaxLongPollWait || followGrace <= options.EventStreamHeartbeat))
        {
            // A parked long poll, or a quiet stream, follows its job without a sighting until it answers or beats.
            failures.Add($"AbandonedJobGrace must exceed MaxLongPollWait and EventStreamHeartbeat, {options.MaxLongPollWait} and {options.EventStreamHeartbeat} (it is {followGrace}).");
        }

        if (options.EventStreamHeartbeat <= TimeSpan.Zero)
        {
            failures.Add($"EventStreamHeartbeat must be positive (it is {options.EventStreamHeartbeat}).");
        }

        if (options.MaxJobsPerEventStream < 1)
        {
            failures.Add($"MaxJobsPerEventStream must be at least 1 (it is {options.MaxJobsPerEventStream}).");
        }

        if (options.IdempotencyKeyLifetime <= TimeSpan.Zero)
        {
            failures.Add($"IdempotencyKeyLifetime must be positive (it is {options.IdempotencyKeyLifetime}).");
        }

        if (string.IsNullOrWhiteSpace(options.SessionCookieName))
        {
            failures.Add("SessionCookieName must not be empty.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateManager(string what, CallbackManagerOptions manager, List<string> failures)
    {
        if (manager.Expire <= TimeSpan.Zero)
        {
            failures.Add($"{what}: Expire must be positive (it is {manager.Expire}).");
        }

        if (manager.ClearCacheOnStartup && manager.ClearCacheWindow <= TimeSpan.Zero)
        {
            failures.Add($"{what}: ClearCacheWindow must be positive (it is {manager.ClearCacheWindow}).");
        }

        if (manager.Queue is not null && !ManagerNames.IsValid(manager.Queue))
        {
            failures.Add($"{what}: the queue name '{manager.Queue}' is not valid: use lowercase letters, digits, '-' or '_'.");
        }
    }
}
