namespace BackgroundCallbacks.Registry;

/// <summary>
/// The line a callback's jobs wait in: a concurrency group's, the callback's own when it has limits, or none. Jobs of
/// one line share <see cref="MaxRunning"/> running places across all worker processes and wait for one in order.
/// </summary>
/// <param name="Name">"group:{name}" or "callback:{id}"; null when the callback has no limit.</param>
/// <param name="MaxRunning">How many may run at once; 0 for no limit.</param>
/// <param name="MaxQueued">How many may wait; 0 for no bound.</param>
internal sealed record CallbackLine(string? Name, int MaxRunning, int MaxQueued)
{
    public static CallbackLine Unlimited { get; } = new(null, 0, 0);

    public bool IsLimited => MaxRunning > 0;
}
