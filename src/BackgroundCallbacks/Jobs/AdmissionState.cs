namespace BackgroundCallbacks.Jobs;

/// <summary>What the sweeper needs to know of an admission whose outbox entry was never acknowledged.</summary>
/// <param name="JobId">The job the follower follows: the one it created, or the one it joined.</param>
/// <param name="FollowerAttached">Whether the follower still follows the job.</param>
/// <param name="Slot">The follower's supersede slot, or null.</param>
/// <param name="CreatedJob">Whether this admission created the job (rather than joined it).</param>
/// <param name="NeverStarted">Whether the job is queued and no run has started it.</param>
internal sealed record AdmissionState(string JobId, bool FollowerAttached, string? Slot, bool CreatedJob, bool NeverStarted);
