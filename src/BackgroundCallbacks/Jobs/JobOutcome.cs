namespace BackgroundCallbacks.Jobs;

/// <summary>How a run ended.</summary>
internal sealed record JobOutcome(JobStatus Status, string? OutputsJson, string? Error)
{
    /// <summary>Whether a success may be stored in the result cache; outputs made by an error handler or a prevented update may not.</summary>
    public bool Cacheable { get; init; } = true;

    public static JobOutcome Succeeded(string outputsJson) => new(JobStatus.Succeeded, outputsJson, null);

    public static JobOutcome Failed(string error) => new(JobStatus.Failed, null, error);
}
