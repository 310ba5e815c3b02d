namespace BackgroundCallbacks.ServerSide;

/// <summary>What a store knows of an id.</summary>
/// <param name="State">Present, expired (it existed and its value is gone) or missing.</param>
/// <param name="Owner">Who may read it, when present or expired; null when shared.</param>
internal readonly record struct ValueLookup(ValueState State, string? Owner)
{
    public static ValueLookup Missing => new(ValueState.Missing, null);
}
