namespace BackgroundCallbacks.Jobs;

/// <summary>What became of a run's outcome.</summary>
internal enum CompletionResult
{
    /// <summary>The outcome is the job's.</summary>
    Accepted,

    /// <summary>The job had ended before (its followers left): nothing was written.</summary>
    AlreadyEnded,

    /// <summary>The run is not the job's current one (it was given up and started again elsewhere): nothing was written.</summary>
    Stale,
}
