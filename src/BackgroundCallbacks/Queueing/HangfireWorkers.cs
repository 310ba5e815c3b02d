using BackgroundCallbacks.Jobs;
using Hangfire;

namespace BackgroundCallbacks.Queueing;

/// <summary>One Hangfire server of ours: this process's workers for one backend.</summary>
internal sealed class HangfireWorkers(BackgroundJobServer server) : IJobWorkers
{
    public void SendStop() => server.SendStop();

    public Task WaitForShutdownAsync(CancellationToken cancellationToken) => server.WaitForShutdownAsync(cancellationToken);

    public void Dispose() => server.Dispose();
}
