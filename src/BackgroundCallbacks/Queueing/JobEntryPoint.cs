using BackgroundCallbacks.Jobs;
using Hangfire.Server;

namespace BackgroundCallbacks.Queueing;

/// <summary>
/// The one method Hangfire calls. Its only stored argument is the job reference; the inputs stay in the job store.
/// Hangfire's job id goes to the runner as the run's id, so a second queue entry of a running job is told apart from
/// the same entry handed to another worker after its first worker died.
/// </summary>
internal sealed class JobEntryPoint(JobRunner runner)
{
    public Task RunAsync(string jobReference, PerformContext context) =>
        runner.RunAsync(jobReference, context?.BackgroundJob?.Id ?? string.Empty);
}
