namespace BackgroundCallbacks.LoadTest;

/// <summary>The three requests of the protocol a client makes: invoke (and the session's first GET), poll, cancel.</summary>
internal enum RequestKind
{
    Post,
    Get,
    Delete,
}
