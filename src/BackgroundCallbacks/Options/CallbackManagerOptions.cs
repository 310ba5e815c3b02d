namespace BackgroundCallbacks;

/// <summary>The settings of a manager: which cache-by providers key its results and how long they are kept.</summary>
public class CallbackManagerOptions
{
    /// <summary>
    /// Gets or sets the names of the cache-by providers whose values are part of every cache key. Null (the default)
    /// keeps results private to the invocation that asked, as Dash does; any list, even an empty one, lets equal keys
    /// share one result.
    /// </summary>
    /// <value>Null: no caching.</value>
    public IList<string>? CacheBy { get; set; }

    /// <summary>Gets or sets how long a cached result is kept after it was last read or written.</summary>
    /// <value>One hour.</value>
    public TimeSpan Expire { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Gets or sets the Hangfire queue this manager's jobs go to; workers listen on the queues of all managers.
    /// </summary>
    /// <value><c>callbacks</c> for the default manager; the manager's name for the others.</value>
    public string? Queue { get; set; }

    /// <summary>
    /// Gets or sets whether the manager's cached results are evicted when the app starts (Dash's <c>clear_cache</c>).
    /// Only this manager's callbacks lose their entries, and processes that start within
    /// <see cref="ClearCacheWindow"/> of each other (a deploy of several replicas) clear once, not once each.
    /// </summary>
    /// <value>False.</value>
    public bool ClearCacheOnStartup { get; set; }

    /// <summary>
    /// Gets or sets how long after one process cleared the manager's cache at startup another process starting
    /// counts as the same start and clears nothing. Used with <see cref="ClearCacheOnStartup"/> on a backend shared
    /// between processes (Redis); the embedded backend is one process's own, so every start clears it.
    /// </summary>
    /// <value>One minute.</value>
    public TimeSpan ClearCacheWindow { get; set; } = TimeSpan.FromMinutes(1);
}
