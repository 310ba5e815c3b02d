namespace BackgroundCallbacks.ServerSide;

/// <summary>A server-side value a handler needs cannot be read: expired, gone, or written in another format.</summary>
internal sealed class ServerSideValueException(string message, Exception? inner = null) : Exception(message, inner);
