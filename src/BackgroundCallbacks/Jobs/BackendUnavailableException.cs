namespace BackgroundCallbacks.Jobs;

/// <summary>
/// Thrown by a store or queue whose server cannot be reached. The protocol answers it with 503 and a
/// <c>Retry-After</c>, rather than a 500, and the caller may try again.
/// </summary>
internal sealed class BackendUnavailableException : Exception
{
    public BackendUnavailableException(string message, Exception innerException) : base(message, innerException) { }

    public BackendUnavailableException(string message) : base(message) { }
}
