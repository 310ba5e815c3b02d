namespace BackgroundCallbacks.Caching;

/// <summary>
/// How many times the results of every callback (<paramref name="All"/>) and of one callback (<paramref name="Callback"/>)
/// were evicted. Both are part of the cache key, so an eviction moves every later invocation to keys nobody wrote,
/// without an index of the old ones: they expire on their own.
/// </summary>
internal readonly record struct CacheGeneration(long All, long Callback)
{
    public bool IsFirst => All == 0 && Callback == 0;
}
