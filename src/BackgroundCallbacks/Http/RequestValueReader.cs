using BackgroundCallbacks.Execution;
using BackgroundCallbacks.Registry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace BackgroundCallbacks.Http;

/// <summary>
/// Captures, when an invocation is admitted, the request values its handler declares and nothing else: the job record
/// must not carry the whole cookie jar or header set, for the same reason it carries no identity beyond the opted-in claims.
/// </summary>
internal static class RequestValueReader
{
    /// <summary>One entry per declared value (its strings, or null when absent); null when the callback declares none.</summary>
    public static string[]?[]? Read(HttpContext context, CallbackDefinition callback, string? pageUrl)
    {
        if (callback.RequestValues.Count == 0)
        {
            return null;
        }

        var request = context.Request;
        var values = new string[]?[callback.RequestValues.Count];
        for (var i = 0; i < values.Length; i++)
        {
            var target = callback.RequestValues[i];
            values[i] = target.Source switch
            {
                RequestValueSource.Header => Strings(request.Headers[target.Name!]),
                RequestValueSource.Query => Strings(request.Query[target.Name!]),
                RequestValueSource.Cookie => request.Cookies[target.Name!] is { } cookie ? [cookie] : null,
                RequestValueSource.PageUrl => pageUrl is null ? null : [pageUrl],
                RequestValueSource.RemoteAddress => context.Connection.RemoteIpAddress is { } address ? [address.ToString()] : null,
                RequestValueSource.Origin => Strings(request.Headers.Origin),
                _ => null,
            };
        }

        return values;
    }

    private static string[]? Strings(StringValues values) =>
        values.Count == 0 ? null : values.Where(v => v is not null).Select(v => v!).ToArray();
}
