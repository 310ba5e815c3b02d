namespace BackgroundCallbacks.Jobs;

/// <summary>One progress report of a job, as its bounded log keeps it.</summary>
/// <param name="Version">The job version whose change wrote it; one change may write several.</param>
/// <param name="Sequence">
/// Counts the job's progress reports: it grows by one with every report, across re-runs of the job too, so a follower
/// knows the order and sees a gap when reports were dropped from the log.
/// </param>
/// <param name="Json">The report as the wire's JSON array of component values.</param>
internal sealed record ProgressReport(long Version, long Sequence, string Json);
