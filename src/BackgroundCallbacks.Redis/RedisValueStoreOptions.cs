namespace BackgroundCallbacks.Redis;

/// <summary>
/// Settings of a store of server-side values in Redis (see <c>AddRedisValueStore</c>; <c>UseRedis</c> makes the
/// default store one with these defaults). Values are kept in chunks under keys of their own, and Redis expires them.
/// </summary>
public sealed class RedisValueStoreOptions
{
    /// <summary>
    /// Gets or sets the prefix of the store's keys. Stores that share a prefix share their values, which is harmless
    /// (ids are random) but means their expiry and size settings mix; give each store its own prefix to keep them apart.
    /// </summary>
    /// <value><c>bc:v:</c>.</value>
    public string KeyPrefix { get; set; } = "bc:v:";

    /// <summary>
    /// Gets or sets how long a value is kept after it was last written or read. Redis's clock keeps it, so the expiry
    /// holds across every process; an expired value's owner is told so for a day after.
    /// </summary>
    /// <value>One hour.</value>
    public TimeSpan Expiry { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Gets or sets the largest value (encoded, as stored) the store takes; a larger one is refused as soon as it is written past this.</summary>
    /// <value>512 MB.</value>
    public long MaxValueSize { get; set; } = 512L * 1024 * 1024;
}
