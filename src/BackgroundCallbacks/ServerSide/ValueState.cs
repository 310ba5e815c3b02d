namespace BackgroundCallbacks.ServerSide;

/// <summary>Whether a store has a value.</summary>
internal enum ValueState
{
    /// <summary>The store never had it, or has forgotten it entirely.</summary>
    Missing,

    /// <summary>The store had it; it expired or was evicted to make room.</summary>
    Expired,

    /// <summary>The value can be read.</summary>
    Present,
}
