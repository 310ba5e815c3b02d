namespace BackgroundCallbacks.LoadTest;

/// <summary>What each client does in a loop during the load.</summary>
internal enum LoadMix
{
    /// <summary>The fixed mix of a browser tab: cache hits, misses, cancels and supersedes.</summary>
    Standard,

    /// <summary>Only uncached invocations of a handler that does nothing, each followed to its end: the per-job cost.</summary>
    Tiny,
}
