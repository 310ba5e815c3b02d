using System.Buffers;
using System.Text.Json;
using BackgroundCallbacks.Invocation;

namespace BackgroundCallbacks.Http;

/// <summary>
/// A read invocation and what its values are read from: the parsed body, over a pooled copy of the body's bytes. The
/// request's values live until this is disposed, once the invocation has been answered.
/// </summary>
internal readonly struct InvocationBody(InvocationRequest request, string? page, JsonDocument document, byte[] rented) : IDisposable
{
    public InvocationRequest Request { get; } = request;

    /// <summary>The page that sent the invocation, or null.</summary>
    public string? Page { get; } = page;

    public void Dispose()
    {
        document.Dispose();
        InvocationRequestReader.Return(rented);
    }
}
