namespace BackgroundCallbacks.Jobs;

internal enum JobStatus
{
    Queued,
    Running,
    Succeeded,
    Failed,
    Canceled,
}
