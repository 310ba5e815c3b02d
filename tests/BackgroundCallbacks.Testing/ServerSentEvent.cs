namespace BackgroundCallbacks.Testing;

/// <summary>One block of a text/event-stream, up to its blank line: an event, a comment or a retry field, as sent.</summary>
public sealed record ServerSentEvent(string? Event, string? Id, string? Data, string? Comment, string? Retry);
