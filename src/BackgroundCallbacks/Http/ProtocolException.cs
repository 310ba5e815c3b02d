namespace BackgroundCallbacks.Http;

/// <summary>A request the protocol refuses, with the status and the message the client gets.</summary>
internal sealed class ProtocolException(int status, string title, string detail) : Exception(detail)
{
    public int Status { get; } = status;

    public string Title { get; } = title;
}
