namespace BackgroundCallbacks.Jobs;

internal static class CancelReasons
{
    public const string Requested = "requested";
    public const string Superseded = "superseded";

    /// <summary>The run passed its callback's time limit.</summary>
    public const string Timeout = "timeout";

    /// <summary>No follower polled or streamed the job for the abandoned-job grace period.</summary>
    public const string Abandoned = "abandoned";
}
