namespace BackgroundCallbacks;

/// <summary>The limits a group of callbacks shares, across every worker process.</summary>
public sealed class ConcurrencyGroupOptions
{
    /// <summary>Gets or sets how many of the group's jobs may run at once; at least 1.</summary>
    public int MaxRunning { get; set; } = 1;

    /// <summary>Gets or sets how many of the group's jobs may wait in line; 0 (the default) leaves the line unbounded.</summary>
    public int MaxQueued { get; set; }
}
