namespace BackgroundCallbacks.Jobs;

/// <summary>
/// One process's set of workers of a backend, as the queue's shared storage knows it (any process, not only this one).
/// </summary>
/// <param name="Name">The server's name, which holds its machine and process id.</param>
/// <param name="Queues">The queues its workers take jobs from.</param>
/// <param name="Workers">How many workers it runs.</param>
/// <param name="Heartbeat">When it last said it was alive; null when it never did.</param>
/// <param name="Timeout">How old a heartbeat may be before the server counts as dead, as the queue's servers are set up.</param>
internal sealed record WorkerServer(string Name, IReadOnlyList<string> Queues, int Workers, DateTimeOffset? Heartbeat, TimeSpan Timeout)
{
    /// <summary>Whether its heartbeat is recent enough at <paramref name="now"/>.</summary>
    public bool IsAlive(DateTimeOffset now) => Heartbeat is { } heartbeat && now - heartbeat < Timeout;
}
