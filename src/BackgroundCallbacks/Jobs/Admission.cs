namespace BackgroundCallbacks.Jobs;

/// <summary>One invocation that missed the cache, on its way into the store.</summary>
/// <param name="Record">The job to create when there is none to join; its owner is the follower's owner too.</param>
/// <param name="FollowerId">The new follower's id, the secret part of its handle.</param>
/// <param name="Handle">The follower's handle, as the outbox keeps it.</param>
/// <param name="Slot">The supersede slot the follower will take (owner, page, callback, outputs), or null without a page.</param>
/// <param name="Joinable">Whether the invocation may join an unended job with the same key (only cached callbacks).</param>
internal sealed record Admission(JobRecord Record, string FollowerId, string Handle, string? Slot, bool Joinable);
