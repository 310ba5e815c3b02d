using Hangfire;
using Microsoft.Extensions.DependencyInjection;

namespace BackgroundCallbacks.Queueing;

/// <summary>Activates only our entry point, from the application's services; any other job type is refused.</summary>
internal sealed class ServiceProviderJobActivator(IServiceProvider services) : JobActivator
{
    public override object ActivateJob(Type jobType) =>
        jobType == typeof(JobEntryPoint)
            ? services.GetRequiredService<JobEntryPoint>()
            : throw new InvalidOperationException($"BackgroundCallbacks runs only its own jobs, not {jobType}.");
}
