namespace BackgroundCallbacks.Client;

/// <summary>Where an invocation stands.</summary>
public enum JobStatus
{
    /// <summary>Admitted, not started yet (maybe waiting in line).</summary>
    Queued,

    /// <summary>A worker runs it.</summary>
    Running,

    /// <summary>Ended with outputs.</summary>
    Succeeded,

    /// <summary>Ended with an error.</summary>
    Failed,

    /// <summary>Ended without a result for this handle: cancelled, superseded, timed out or abandoned.</summary>
    Canceled,
}
