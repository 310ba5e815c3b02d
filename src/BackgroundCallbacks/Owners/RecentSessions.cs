using System.Collections.Concurrent;

namespace BackgroundCallbacks.Owners;

/// <summary>
/// The session cookies this process unprotected lately, with what they gave: a browser sends the same cookie with every
/// request, and unprotecting it (decrypting and authenticating) and digesting the session cost more allocations than the
/// rest of a cache hit. Only a cookie that did unprotect is remembered, under its exact value, so nothing is accepted
/// that Data Protection did not accept; an entry lasts <see cref="Lifetime"/>, so a key revoked in the key ring stops
/// being honoured within that time. Bounded: when full it is emptied, and the next requests unprotect again.
/// </summary>
internal sealed class RecentSessions(TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(1);

    public const int Capacity = 10_000;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>The owner of an anonymous caller with this cookie, as unprotected within <see cref="Lifetime"/>; null when not known.</summary>
    public Owner? Find(string cookie)
    {
        if (!_entries.TryGetValue(cookie, out var entry))
        {
            return null;
        }

        if (time.GetTimestamp() < entry.Until)
        {
            return entry.Owner;
        }

        _entries.TryRemove(new KeyValuePair<string, Entry>(cookie, entry));
        return null;
    }

    /// <summary>
    /// <see cref="Find(string)"/> for a cookie read from the request's header as it is, without a string of its own. An
    /// expired entry is left for <see cref="Find(string)"/> to remove.
    /// </summary>
    public Owner? Find(ReadOnlySpan<char> cookie) =>
        _entries.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(cookie, out var entry) && time.GetTimestamp() < entry.Until
            ? entry.Owner
            : null;

    /// <summary>Remembers what a cookie that just unprotected gave: the anonymous owner of its session.</summary>
    public void Add(string cookie, Owner owner)
    {
        if (_entries.Count >= Capacity)
        {
            _entries.Clear();
        }

        var until = time.GetTimestamp() + (long)(Lifetime.TotalSeconds * time.TimestampFrequency);
        _entries[cookie] = new Entry(owner, until);
    }

    private sealed record Entry(Owner Owner, long Until);
}
