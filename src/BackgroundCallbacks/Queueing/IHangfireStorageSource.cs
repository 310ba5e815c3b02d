using Hangfire;

namespace BackgroundCallbacks.Queueing;

/// <summary>A queue that can give the Hangfire storage it runs on, for Hangfire's dashboard.</summary>
internal interface IHangfireStorageSource
{
    /// <summary>
    /// The storage, once it exists: a backend that connects on first use makes it then, and an unreachable server
    /// surfaces as the core's 503 exception.
    /// </summary>
    ValueTask<JobStorage> GetStorageAsync();
}
