namespace BackgroundCallbacks.Jobs;

/// <summary>
/// A job as one follower sees it, newer than a version the follower names. A follower that left (cancelled or
/// superseded) sees its job as <c>canceled</c> from then on, whatever the job does for the others.
/// </summary>
/// <param name="JobId">The job's id.</param>
/// <param name="CallbackId">The callback the job runs.</param>
/// <param name="Owner">The follower's owner, for the owner check.</param>
/// <param name="Status">Where the job is, for this follower.</param>
/// <param name="Version">Grows with every change.</param>
/// <param name="ProgressJson">The last progress report as the wire's JSON array, when it is newer than the version asked after; else null.</param>
/// <param name="ProgressVersion">The version that wrote the last progress report; 0 before the first.</param>
/// <param name="ProgressReports">
/// The progress reports newer than the version asked after, oldest first: each one, not only the last, for a follower
/// that must pass every report on; empty unless the read asked for the log. The store keeps only the last
/// <see cref="IJobStore.ProgressLogLength"/>, so a follower that falls further behind between two reads gets the newest
/// of them (a gap in their sequence).
/// </param>
/// <param name="SideUpdates">The side updates newer than the version asked after, oldest first.</param>
/// <param name="OutputsJson">The outputs as the wire's JSON array, on success.</param>
/// <param name="Error">The message for the client, on failure.</param>
/// <param name="CancelReason">Why the job ended for this follower, when it was cancelled.</param>
internal sealed record JobView(
    string JobId,
    string CallbackId,
    string Owner,
    JobStatus Status,
    long Version,
    string? ProgressJson,
    long ProgressVersion,
    IReadOnlyList<ProgressReport> ProgressReports,
    IReadOnlyList<SideUpdate> SideUpdates,
    string? OutputsJson,
    string? Error,
    string? CancelReason)
{
    /// <summary>While the job waits: how many jobs of its line are ahead of it (0: it is next); else null.</summary>
    public int? Position { get; init; }

    /// <summary>While the job waits: the estimated seconds until its result, from its callback's recent run times; null when unknown.</summary>
    public double? EtaSeconds { get; init; }
}
