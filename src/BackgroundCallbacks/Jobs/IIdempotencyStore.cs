namespace BackgroundCallbacks.Jobs;

/// <summary>
/// The records of <c>Idempotency-Key</c>s, shared by every process of a backend. A key is first reserved for a short
/// hold while its invocation is answered, then holds the answer for the key's lifetime. Values are opaque here.
/// </summary>
internal interface IIdempotencyStore
{
    /// <summary>
    /// Reserves <paramref name="key"/> with <paramref name="reservation"/> for <paramref name="hold"/> when nobody holds it
    /// (null), in one atomic step; otherwise returns what it holds and changes nothing.
    /// </summary>
    ValueTask<string?> ReserveAsync(string key, string reservation, TimeSpan hold, CancellationToken cancellationToken);

    /// <summary>Replaces the reservation with the answer, kept for <paramref name="lifetime"/>.</summary>
    ValueTask SetAsync(string key, string record, TimeSpan lifetime, CancellationToken cancellationToken);

    /// <summary>Gives the key up, so that a retry is answered afresh (the first invocation was refused or failed).</summary>
    ValueTask RemoveAsync(string key, CancellationToken cancellationToken);
}
