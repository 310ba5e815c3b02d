namespace BackgroundCallbacks.Caching;

/// <summary>What a cache lookup found: the key the invocation has now, and the stored outputs' UTF-8 JSON, null on a miss.</summary>
internal readonly record struct CacheLookup(string Key, ReadOnlyMemory<byte>? Outputs);
