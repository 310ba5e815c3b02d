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
}
