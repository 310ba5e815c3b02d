namespace BackgroundCallbacks.Client;

/// <summary>How a client follows a job.</summary>
public enum CallbackTransport
{
    /// <summary><c>GET {prefix}/jobs/{handle}?after=…&amp;wait=…</c>, again and again: works through any proxy.</summary>
    LongPoll,

    /// <summary>
    /// One Server-Sent Events stream (<c>GET {prefix}/events?jobs=…</c>) per followed job, resumed where it left off
    /// when the connection drops. A proxy that buffers responses defeats it.
    /// </summary>
    EventStream,
}
