using Microsoft.AspNetCore.Http;

namespace BackgroundCallbacks.Http;

/// <summary>
/// Answers the requests under the prefix that no endpoint of the library takes, so they get problem details like every
/// other error of the protocol instead of routing's empty 404 and 405. They are mapped as endpoints of the group, after
/// the real ones, so the app's own routes outside the prefix never see them.
/// </summary>
internal static class UnmatchedRequests
{
    /// <summary>For a path the library serves, a method it does not: 405 with the methods that path takes.</summary>
    public static RequestDelegate MethodNotAllowed(params string[] allowed)
    {
        var allow = string.Join(", ", allowed);
        return context =>
        {
            context.Response.Headers.Allow = allow;
            return Problems.WriteAsync(context, StatusCodes.Status405MethodNotAllowed, "Method not allowed", $"This endpoint takes {allow} only.");
        };
    }

    public static Task NotFoundAsync(HttpContext context) =>
        Problems.WriteAsync(context, StatusCodes.Status404NotFound, "Not found", "The background callbacks have no endpoint at this path.");
}
