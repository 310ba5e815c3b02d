using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Primitives;

namespace BackgroundCallbacks.Execution;

/// <summary>
/// Turns the request values captured when the invocation was admitted (a JSON array holding, per declared value, its
/// strings or null when the request had none) into the types the handler's parameters declare.
/// </summary>
internal static class RequestValueBinder
{
    public static object?[] Bind(IReadOnlyList<RequestValueTarget> targets, string? json)
    {
        if (targets.Count == 0)
        {
            return [];
        }

        var captured = json is null ? null : JsonSerializer.Deserialize<string[]?[]>(json);
        var bound = new object?[targets.Count];
        for (var i = 0; i < bound.Length; i++)
        {
            var values = captured is not null && i < captured.Length ? captured[i] : null;
            bound[i] = Convert(targets[i], values);
        }

        return bound;
    }

    private static object? Convert(RequestValueTarget target, string[]? values)
    {
        var type = target.ParameterType;
        if (type == typeof(StringValues) || type == typeof(StringValues?))
        {
            if (values is null)
            {
                return type == typeof(StringValues) ? StringValues.Empty : (object?)null;
            }

            return new StringValues(values);
        }

        if (type == typeof(string[]))
        {
            return values;
        }

        if (type == typeof(IPAddress))
        {
            return values is [var address] && IPAddress.TryParse(address, out var parsed) ? parsed : null;
        }

        // A header or query name sent several times reads as one comma-joined string, as minimal APIs bind it.
        return values is null ? null : new StringValues(values).ToString();
    }
}
