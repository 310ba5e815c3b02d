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
}
