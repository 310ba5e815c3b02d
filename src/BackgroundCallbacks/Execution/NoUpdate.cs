namespace BackgroundCallbacks;

/// <summary>
/// A value a handler returns, in place of all its outputs or of one of them, to leave that output unchanged
/// (Dash's <c>no_update</c>).
/// </summary>
public sealed class NoUpdate
{
    private NoUpdate() { }

    /// <summary>Gets the one instance.</summary>
    public static NoUpdate Value { get; } = new();
}
