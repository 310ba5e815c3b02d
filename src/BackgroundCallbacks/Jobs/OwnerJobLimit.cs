using BackgroundCallbacks.Diagnostics;
using Microsoft.Extensions.Logging;

namespace BackgroundCallbacks.Jobs;

/// <summary>
/// Keeps one caller from filling the queue: at most <see cref="BackgroundCallbacksOptions.MaxLiveJobsPerOwner"/> unended
/// jobs followed per partition (the owner, and for an anonymous caller also its address). A follower is counted when it
/// is admitted and stops counting once its job has ended for it, which is found out when the count is full.
/// </summary>
internal sealed class OwnerJobLimit(CallbackManagers managers, ILogger<OwnerJobLimit> logger)
{
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    /// <summary>Counts the follower, or throws 429 when a partition is full of unended jobs.</summary>
    public async ValueTask CountAsync(CallbackManager manager, string callbackId, IReadOnlyList<string> partitions, string handle, int max, CancellationToken cancellationToken)
    {
        var limits = manager.Backend.Limits;
        var held = await limits.TryCountAsync(partitions, handle, max, cancellationToken).ConfigureAwait(false);
        if (held is null)
        {
            return;
        }

        var ended = new List<string>();
        foreach (var other in held)
        {
            if (!await IsLiveAsync(other, cancellationToken).ConfigureAwait(false))
            {
                ended.Add(other);
            }
        }

        if (ended.Count > 0)
        {
            await limits.UncountAsync(partitions, ended, cancellationToken).ConfigureAwait(false);
            if (await limits.TryCountAsync(partitions, handle, max, cancellationToken).ConfigureAwait(false) is null)
            {
                return;
            }
        }

        Log.TooManyJobs(logger, callbackId, max);
        throw new LimitExceededException(
            429,
            LimitExceededException.TooManyJobs,
            RetryAfter,
            $"This caller follows {max} unended jobs already, as many as one caller may; wait for one to end or cancel one.");
    }

    /// <summary>Moves the count from one handle to another (an admission that joined a job has the joined job's handle).</summary>
    public static async ValueTask ReplaceAsync(CallbackManager manager, IReadOnlyList<string> partitions, string counted, string handle, CancellationToken cancellationToken)
    {
        await manager.Backend.Limits.UncountAsync(partitions, [counted], cancellationToken).ConfigureAwait(false);
        await manager.Backend.Limits.TryCountAsync(partitions, handle, int.MaxValue, cancellationToken).ConfigureAwait(false);
    }

    public static ValueTask UncountAsync(CallbackManager manager, IReadOnlyList<string> partitions, string handle, CancellationToken cancellationToken) =>
        manager.Backend.Limits.UncountAsync(partitions, [handle], cancellationToken);

    private async ValueTask<bool> IsLiveAsync(string handle, CancellationToken cancellationToken)
    {
        if (!JobHandles.TryParse(handle, out var followerId, out var jobId, out var managerName) || managers.Find(managerName) is not { } manager)
        {
            return false;
        }

        var view = await manager.Backend.Jobs.ReadAsync(jobId, followerId, long.MaxValue, cancellationToken).ConfigureAwait(false);
        return view is not null && !view.Status.IsTerminal();
    }
}
