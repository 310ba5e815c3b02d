using Microsoft.AspNetCore.Http;

namespace BackgroundCallbacks.Http;

/// <summary>Writes RFC 9457 problem details, the body of every error this library answers.</summary>
internal static class Problems
{
    public static Task WriteAsync(HttpContext context, int status, string title, string detail, IDictionary<string, object?>? extensions = null)
    {
        if (HttpMethods.IsHead(context.Request.Method))
        {
            // A HEAD answer has the status and headers a GET would get, and no body.
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/problem+json";
            return Task.CompletedTask;
        }

        return Results.Problem(detail: detail, statusCode: status, title: title, instance: context.Request.Path, extensions: extensions).ExecuteAsync(context);
    }

    public static Task NotFoundJobAsync(HttpContext context) =>
        WriteAsync(context, StatusCodes.Status404NotFound, "Job not found", "There is no job with this handle, or it has expired.");
}
