namespace BackgroundCallbacks;

/// <summary>Settings of a store of server-side values in a directory: for large values, or values several processes on one machine share.</summary>
public sealed class FileSystemValueStoreOptions
{
    /// <summary>Gets or sets the directory the values are written to; created when missing. Required.</summary>
    public string Directory { get; set; } = string.Empty;

    /// <summary>Gets or sets how many bytes (encoded, as stored) the directory holds; cleanup removes the least recently used values past it.</summary>
    /// <value>1 GB.</value>
    public long SizeLimit { get; set; } = 1024L * 1024 * 1024;

    /// <summary>Gets or sets how long a value is kept after it was last written or read.</summary>
    /// <value>24 hours.</value>
    public TimeSpan Expiry { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Gets or sets how often cleanup runs: it removes expired values and enforces <see cref="SizeLimit"/>, on its own timer rather than during writes.</summary>
    /// <value>One minute.</value>
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromMinutes(1);
}
