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
