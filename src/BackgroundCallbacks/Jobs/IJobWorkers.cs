namespace BackgroundCallbacks.Jobs;

/// <summary>This process's running workers of one backend.</summary>
internal interface IJobWorkers : IDisposable
{
    /// <summary>Stops taking new jobs; running ones go on.</summary>
    void SendStop();

    /// <summary>Waits until every worker has returned, or the token fires.</summary>
    Task WaitForShutdownAsync(CancellationToken cancellationToken);
}
