namespace BackgroundCallbacks.Invocation;

/// <summary>
/// An <c>Idempotency-Key</c> cannot be answered: it was used for another invocation (<see cref="Reused"/>), or its first
/// invocation is still being answered. The door answers 422 or 409 at once.
/// </summary>
internal sealed class IdempotencyConflictException(bool reused) : Exception(reused
    ? "This Idempotency-Key was used for an invocation with other content; use a new key for a new invocation."
    : "The first invocation with this Idempotency-Key is still being answered; retry shortly.")
{
    public bool Reused { get; } = reused;
}
