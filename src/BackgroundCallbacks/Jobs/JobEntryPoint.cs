namespace BackgroundCallbacks.Jobs;

/// <summary>
/// The one method Hangfire calls. Its only argument is the job's handle; the inputs stay in the job state store.
/// </summary>
internal sealed class JobEntryPoint(JobRunner runner)
{
    public Task RunAsync(string handle) => runner.RunAsync(handle);
}
