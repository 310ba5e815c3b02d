namespace BackgroundCallbacks.Client;

/// <summary>An invocation's body, as the protocol names it: every declared input and state value by component id and property.</summary>
public sealed class CallbackRequest
{
    /// <summary>Every declared input's value, in declaration order.</summary>
    public IList<CallbackValue> Inputs { get; init; } = [];

    /// <summary>Every declared state value, in declaration order.</summary>
    public IList<CallbackValue> State { get; init; } = [];

    /// <summary>The inputs whose change caused this invocation, each <c>componentId.property</c>; empty for an initial call.</summary>
    public IList<string> Triggered { get; init; } = [];

    /// <summary>
    /// The page instance this invocation comes from (1 to 64 letters, digits, <c>-</c> or <c>_</c>): a new
    /// invocation supersedes only the same page's previous one. Null supersedes nothing.
    /// </summary>
    public string? Page { get; init; }

    /// <summary>The URL of the page the user is on, for handlers that bind <c>[FromPageUrl]</c>.</summary>
    public Uri? Url { get; init; }

    /// <summary>
    /// Sent as <c>Idempotency-Key</c>: a retry with the same key gets the first answer again instead of a second job.
    /// Set it when a handler of yours (a resilience pipeline) retries requests.
    /// </summary>
    public string? IdempotencyKey { get; init; }
}
