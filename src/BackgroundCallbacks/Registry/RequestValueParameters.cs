using System.Net;
using System.Reflection;
using BackgroundCallbacks.Execution;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Primitives;

namespace BackgroundCallbacks.Registry;

/// <summary>
/// Classifies handler parameters that take a value from the invocation's request rather than from the page's
/// components: the framework's own <c>[FromHeader]</c> and <c>[FromQuery]</c> (through the metadata interfaces minimal
/// APIs read too) and our <see cref="FromCookieAttribute"/>, <see cref="FromPageUrlAttribute"/>,
/// <see cref="FromRemoteAddressAttribute"/> and <see cref="FromOriginAttribute"/>; and refuses parameters that would
/// write to a response, which a background job does not have.
/// </summary>
internal static class RequestValueParameters
{
    private static readonly Type[] Single = [typeof(string)];
    private static readonly Type[] Multiple = [typeof(string), typeof(string[]), typeof(StringValues), typeof(StringValues?)];
    private static readonly Type[] Address = [typeof(string), typeof(IPAddress)];

    /// <summary>
    /// Whether the parameter is a request value or a refused response writer (so it is no input or state argument);
    /// <paramref name="target"/> is the request value, or null when the parameter was refused with a problem.
    /// </summary>
    public static bool TryClassify(ParameterInfo parameter, Action<string> problem, out RequestValueTarget? target)
    {
        target = null;
        var type = parameter.ParameterType;
        var name = parameter.Name ?? $"arg{parameter.Position}";
        if (type == typeof(IResponseCookies) || type == typeof(HttpResponse))
        {
            problem($"the parameter '{name}' ({type.Name}) would write to the response, but a background callback has no response when its job runs "
                + "(the invocation was answered with 202 long before); run the callback inline (Inline = true), or set the cookie or header from an endpoint of the app.");
            return true;
        }

        var found = new List<(RequestValueSource Source, string? Name, Type[] Allowed)>();
        foreach (var attribute in parameter.GetCustomAttributes(inherit: false))
        {
            switch (attribute)
            {
                case IFromHeaderMetadata header:
                    found.Add((RequestValueSource.Header, header.Name ?? name, Multiple));
                    break;
                case IFromQueryMetadata query:
                    found.Add((RequestValueSource.Query, query.Name ?? name, Multiple));
                    break;
                case FromCookieAttribute cookie:
                    found.Add((RequestValueSource.Cookie, cookie.Name, Single));
                    break;
                case FromPageUrlAttribute:
                    found.Add((RequestValueSource.PageUrl, null, Single));
                    break;
                case FromRemoteAddressAttribute:
                    found.Add((RequestValueSource.RemoteAddress, null, Address));
                    break;
                case FromOriginAttribute:
                    found.Add((RequestValueSource.Origin, null, Single));
                    break;
            }
        }

        if (found.Count == 0)
        {
            return false;
        }

        if (found.Count > 1)
        {
            problem($"the parameter '{name}' declares {found.Count} request values ({string.Join(", ", found.Select(f => f.Source))}); it can take one.");
            return true;
        }

        var (source, valueName, allowed) = found[0];
        if (string.IsNullOrWhiteSpace(valueName) && source is RequestValueSource.Header or RequestValueSource.Query or RequestValueSource.Cookie)
        {
            problem($"the parameter '{name}' takes a {source} with an empty name.");
            return true;
        }

        if (!allowed.Contains(type))
        {
            problem($"the parameter '{name}' takes a {source}, which binds to {string.Join(" or ", allowed.Select(TypeName))}, not {TypeName(type)}.");
            return true;
        }

        target = new RequestValueTarget(source, source is RequestValueSource.Header or RequestValueSource.Query or RequestValueSource.Cookie ? valueName : null, name, type);
        return true;
    }

    private static string TypeName(Type type) =>
        Nullable.GetUnderlyingType(type) is { } inner ? inner.Name + "?" : type.Name;
}
