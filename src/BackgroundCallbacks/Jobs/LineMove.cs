namespace BackgroundCallbacks.Jobs;

/// <summary>What entering or leaving a line did.</summary>
/// <param name="Granted">The jobs given a running place by this move, in line order: each must be queued now.</param>
/// <param name="Position">The entering job's position when it waits; null when it holds a place, or for a leave.</param>
internal sealed record LineMove(IReadOnlyList<string> Granted, long? Position);
