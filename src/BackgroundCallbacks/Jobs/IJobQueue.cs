namespace BackgroundCallbacks.Jobs;

/// <summary>Puts jobs in a queue for a worker to run; the only seam that knows Hangfire.</summary>
internal interface IJobQueue
{
    void Enqueue(string handle, string queue);

    void Schedule(string handle, string queue, TimeSpan delay);
}
