using System.Runtime.ExceptionServices;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;

namespace BackgroundCallbacks.Jobs;

/// <summary>
/// Queues jobs in the backend's own <see cref="JobStorage"/> through a client of our own, so Hangfire's static
/// configuration, and any Hangfire jobs the application runs itself, are left untouched.
/// </summary>
internal sealed class HangfireJobQueue(JobStorage storage, IJobFilterProvider filters) : IJobQueue
{
    private readonly BackgroundJobClient _client = new(storage, filters);

    public void Enqueue(string handle, string queue) =>
        Create(Job.FromExpression<JobEntryPoint>(entry => entry.RunAsync(handle), queue), new EnqueuedState(queue));

    public void Schedule(string handle, string queue, TimeSpan delay) =>
        Create(Job.FromExpression<JobEntryPoint>(entry => entry.RunAsync(handle), queue), new ScheduledState(delay));

    private void Create(Job job, IState state)
    {
        try
        {
            _client.Create(job, state);
        }
        catch (BackgroundJobClientException e) when (e.InnerException is BackendUnavailableException unavailable)
        {
            // Hangfire wraps storage failures; an unreachable backend must still reach the protocol as itself (503).
            ExceptionDispatchInfo.Throw(unavailable);
        }
    }
}
