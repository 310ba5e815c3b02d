namespace BackgroundCallbacks.Jobs;

/// <summary>The observable state of a job at one version.</summary>
/// <param name="Handle">The job's handle.</param>
/// <param name="Owner">The owner the job belongs to.</param>
/// <param name="CallbackId">The callback the job runs.</param>
/// <param name="Status">Where the job is.</param>
/// <param name="Version">Grows with every change.</param>
/// <param name="ProgressJson">The last progress report as the wire's JSON array, or null.</param>
/// <param name="ProgressVersion">The version that wrote the progress.</param>
/// <param name="SideUpdates">Every side update, oldest first.</param>
/// <param name="OutputsJson">The outputs as the wire's JSON array, on success.</param>
/// <param name="Error">The message for the client, on failure.</param>
/// <param name="CancelReason">Why the job was cancelled, once a cancel was asked for.</param>
/// <param name="Attempt">How many times the job has been started.</param>
internal sealed record JobSnapshot(
    string Handle,
    string Owner,
    string CallbackId,
    JobStatus Status,
    long Version,
    string? ProgressJson,
    long ProgressVersion,
    IReadOnlyList<SideUpdate> SideUpdates,
    string? OutputsJson,
    string? Error,
    string? CancelReason,
    int Attempt);
