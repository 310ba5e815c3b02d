using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using BackgroundCallbacks.Execution;
using BackgroundCallbacks.Invocation;
using BackgroundCallbacks.Mcp.Tools;
using BackgroundCallbacks.Registry;

namespace BackgroundCallbacks.Mcp.Calls;

/// <summary>
/// Turns a tool call's arguments into the invocation the HTTP door would have read from a page: every callback
/// argument in order, the trigger inputs as triggered, MATCH values, ALL ids. It then binds the values as the HTTP door
/// does, so a value the handler cannot take is refused here, naming the argument.
/// </summary>
internal static class ToolArguments
{
    private static readonly JsonElement Null = JsonSerializer.SerializeToElement<object?>(null);

    public static InvocationRequest Read(ToolDescription tool, IDictionary<string, JsonElement>? sent, BackgroundCallbacksOptions options, TimeProvider time)
    {
        sent ??= new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        var known = new HashSet<string>(tool.MatchKeys, StringComparer.Ordinal);
        known.UnionWith(tool.Parameters.Where(p => p.Kind != ToolParameterKind.Trigger).Select(p => p.Name));
        if (sent.Keys.FirstOrDefault(k => !known.Contains(k)) is { } unknown)
        {
            throw new ToolArgumentException(known.Count == 0
                ? $"Unknown argument '{unknown}': this tool takes no arguments."
                : $"Unknown argument '{unknown}': this tool takes {string.Join(", ", known.Order(StringComparer.Ordinal).Select(k => $"'{k}'"))}.");
        }

        var matches = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var key in tool.MatchKeys)
        {
            if (!sent.TryGetValue(key, out var value) || value.ValueKind is not (JsonValueKind.String or JsonValueKind.Number))
            {
                throw new ToolArgumentException($"Argument '{key}' is required: the string or number of the component this call is for.");
            }

            matches[key] = value.Clone();
        }

        var callback = tool.Callback;
        var arguments = new JsonElement[tool.Parameters.Count];
        var ids = new JsonElement[tool.Parameters.Count];
        var triggered = new List<string>();
        for (var i = 0; i < arguments.Length; i++)
        {
            var parameter = tool.Parameters[i];
            var dependency = parameter.Argument.Dependency;
            switch (parameter.Kind)
            {
                case ToolParameterKind.Trigger:
                    arguments[i] = TriggerValue(dependency, time);
                    if (!parameter.Argument.IsState && dependency.Kind != PatternKind.All)
                    {
                        triggered.Add(ComponentPatterns.Resolve(dependency, matches) + "." + dependency.Property);
                    }

                    break;
                case ToolParameterKind.All:
                    (arguments[i], ids[i]) = AllValues(parameter, sent, matches);
                    break;
                default:
                    if (sent.TryGetValue(parameter.Name, out var value))
                    {
                        arguments[i] = value.Clone();
                    }
                    else if (parameter.Required)
                    {
                        throw new ToolArgumentException($"Argument '{parameter.Name}' is required.");
                    }
                    else
                    {
                        arguments[i] = Null;
                    }

                    break;
            }

            var size = JsonMarshal.GetRawUtf8Value(arguments[i]).Length;
            if (size > options.MaxArgumentSize)
            {
                throw new ToolArgumentException($"Argument '{parameter.Name}' is {size} bytes of JSON; an argument may be at most {options.MaxArgumentSize}.");
            }
        }

        var allIds = ids.Any(i => i.ValueKind == JsonValueKind.Array) ? ids : null;
        try
        {
            ArgumentBinder.Bind(callback.ArgumentTargets, arguments, options.SerializerOptions, allIds);
        }
        catch (ArgumentBindingException e)
        {
            throw new ToolArgumentException("Invalid argument: " + e.Message);
        }

        return new InvocationRequest(arguments, triggered.Distinct(StringComparer.Ordinal).ToArray(), matches.Count == 0 ? null : matches, allIds);
    }

    /// <summary>A click counter counts this call as one click; a timestamp is the call's time, in milliseconds as Dash has it.</summary>
    private static JsonElement TriggerValue(DependencySpec dependency, TimeProvider time)
    {
        if (dependency.Kind == PatternKind.All)
        {
            return JsonSerializer.SerializeToElement(Array.Empty<int>());
        }

        return ToolCatalog.IsTimestamp(dependency.Property)
            ? JsonSerializer.SerializeToElement(time.GetUtcNow().ToUnixTimeMilliseconds())
            : JsonSerializer.SerializeToElement(1);
    }

    /// <summary>An ALL argument's <c>[{id, value}]</c> as the values array and the concrete ids the HTTP door would get.</summary>
    private static (JsonElement Values, JsonElement Ids) AllValues(ToolParameter parameter, IDictionary<string, JsonElement> sent, Dictionary<string, JsonElement> matches)
    {
        if (!sent.TryGetValue(parameter.Name, out var items) || items.ValueKind == JsonValueKind.Null)
        {
            return (JsonSerializer.SerializeToElement(Array.Empty<int>()), default);
        }

        var shape = $"Argument '{parameter.Name}' must be an array of {{\"id\": {{{string.Join(", ", parameter.AllKeys.Select(k => $"\"{k}\": …"))}}}, \"value\": …}} objects.";
        if (items.ValueKind != JsonValueKind.Array)
        {
            throw new ToolArgumentException(shape);
        }

        // A declared pattern always parses: the registry checked it at startup.
        _ = ComponentPatterns.TryParse(parameter.Argument.Dependency.ComponentId, out var pattern);
        var values = new JsonArray();
        var ids = new JsonArray();
        foreach (var item in items.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.Object)
            {
                throw new ToolArgumentException(shape);
            }

            var concrete = new JsonObject();
            foreach (var property in pattern.EnumerateObject())
            {
                var wildcard = property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : null;
                if (wildcard == "ALL")
                {
                    if (!id.TryGetProperty(property.Name, out var key) || key.ValueKind is not (JsonValueKind.String or JsonValueKind.Number))
                    {
                        throw new ToolArgumentException(shape);
                    }

                    concrete[property.Name] = JsonNode.Parse(key.GetRawText());
                }
                else if (wildcard == "MATCH" && matches.TryGetValue(property.Name, out var match))
                {
                    concrete[property.Name] = JsonNode.Parse(match.GetRawText());
                }
                else
                {
                    concrete[property.Name] = JsonNode.Parse(property.Value.GetRawText());
                }
            }

            ids.Add(concrete);
            values.Add(item.TryGetProperty("value", out var value) ? JsonNode.Parse(value.GetRawText()) : null);
        }

        return (JsonSerializer.SerializeToElement(values), JsonSerializer.SerializeToElement(ids));
    }

    public static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString()!,
        JsonValueKind.Undefined => string.Empty,
        _ => value.GetRawText(),
    };
}
