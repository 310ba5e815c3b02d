namespace BackgroundCallbacks.ServerSide;

/// <summary>A value is larger than its store may hold.</summary>
internal sealed class ValueTooLargeException(string message) : Exception(message);
