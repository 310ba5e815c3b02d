namespace BackgroundCallbacks;

/// <summary>Settings of an in-memory store of server-side values (the embedded default store).</summary>
public sealed class MemoryValueStoreOptions
{
    /// <summary>Gets or sets how many bytes (encoded, as stored) the store holds; past it the least recently used values go first.</summary>
    /// <value>256 MB.</value>
    public long SizeLimit { get; set; } = 256L * 1024 * 1024;

    /// <summary>Gets or sets how long a value is kept after it was last written or read.</summary>
    /// <value>One hour.</value>
    public TimeSpan Expiry { get; set; } = TimeSpan.FromHours(1);
}
