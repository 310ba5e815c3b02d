using System.Buffers;
using Microsoft.AspNetCore.Http;

namespace BackgroundCallbacks.Http;

/// <summary>Writes whole bodies with their length; a HEAD request gets the same status and headers and no body.</summary>
internal static class ResponseBodies
{
    public static Task WriteAsync(HttpContext context, ReadOnlyMemory<byte> body)
    {
        context.Response.ContentLength = body.Length;
        return HttpMethods.IsHead(context.Request.Method)
            ? Task.CompletedTask
            : context.Response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }

    /// <summary>
    /// Writes a body made of three parts, copied into the response's own buffers: stored bytes (a cached result) go out
    /// with no body-sized buffer of ours in between.
    /// </summary>
    public static async Task WriteAsync(HttpContext context, ReadOnlyMemory<byte> head, ReadOnlyMemory<byte> body, ReadOnlyMemory<byte> tail)
    {
        context.Response.ContentLength = head.Length + body.Length + tail.Length;
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }

        var writer = context.Response.BodyWriter;
        writer.Write(head.Span);
        writer.Write(body.Span);
        writer.Write(tail.Span);
        await writer.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>
    /// Says the connection closes after this answer (HTTP/1.x), when the request's body was left unread: a client would
    /// otherwise send its next request on a connection the server is about to drop.
    /// </summary>
    public static void CloseConnectionAfter(HttpContext context)
    {
        if (HttpProtocol.IsHttp11(context.Request.Protocol) || HttpProtocol.IsHttp10(context.Request.Protocol))
        {
            context.Response.Headers.Connection = "close";
        }
    }
}
