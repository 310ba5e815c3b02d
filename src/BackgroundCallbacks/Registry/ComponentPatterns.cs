using System.Buffers;
using System.Text.Json;

namespace BackgroundCallbacks.Registry;

/// <summary>
/// Pattern-matching ids: a JSON object id whose values may be the wildcards <c>"MATCH"</c> or <c>"ALL"</c>. Matching
/// compares objects by keys and values, whatever the key order; MATCH values found in one invocation are substituted
/// back into output, progress and side-update ids.
/// </summary>
internal static class ComponentPatterns
{
    public const string Match = "MATCH";
    public const string All = "ALL";

    public static PatternKind KindOf(string componentId)
    {
        if (componentId.Length == 0 || componentId[0] != '{' || !TryParse(componentId, out var pattern))
        {
            return PatternKind.None;
        }

        var kind = PatternKind.None;
        foreach (var property in pattern.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.String)
            {
                kind = property.Value.GetString() switch
                {
                    Match => kind == PatternKind.All ? throw new FormatException("MATCH and ALL cannot be mixed in one id.") : PatternKind.Match,
                    All => kind == PatternKind.Match ? throw new FormatException("MATCH and ALL cannot be mixed in one id.") : PatternKind.All,
                    _ => kind,
                };
            }
        }

        return kind;
    }

    public static bool TryParse(string componentId, out JsonElement pattern)
    {
        try
        {
            using var document = JsonDocument.Parse(componentId);
            pattern = document.RootElement.Clone();
            return pattern.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            pattern = default;
            return false;
        }
    }

    /// <summary>
    /// Checks a concrete id sent by a client against a declared one. For a MATCH pattern the wildcard values are added to
    /// <paramref name="matches"/> (made at the first, so an invocation without MATCH patterns has none), and must agree
    /// with those already there.
    /// </summary>
    public static bool Matches(JsonElement concrete, DependencySpec declared, ref Dictionary<string, JsonElement>? matches)
    {
        if (declared.Kind == PatternKind.None)
        {
            return declared.ComponentId[0] == '{'
                ? concrete.ValueKind == JsonValueKind.Object && TryParse(declared.ComponentId, out var plain) && JsonEquals(concrete, plain)
                : concrete.ValueKind == JsonValueKind.String && concrete.ValueEquals(declared.ComponentId);
        }

        if (concrete.ValueKind != JsonValueKind.Object || !TryParse(declared.ComponentId, out var pattern))
        {
            return false;
        }

        if (declared.Kind == PatternKind.All)
        {
            return JsonEquals(concrete, pattern);
        }

        var count = 0;
        foreach (var property in pattern.EnumerateObject())
        {
            count++;
            if (!concrete.TryGetProperty(property.Name, out var value))
            {
                return false;
            }

            if (property.Value.ValueKind == JsonValueKind.String && property.Value.GetString() == Match)
            {
                if (value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
                {
                    return false;
                }

                if (matches is not null && matches.TryGetValue(property.Name, out var earlier) && !JsonEquals(earlier, value))
                {
                    return false;
                }

                (matches ??= new(StringComparer.Ordinal))[property.Name] = value.Clone();
            }
            else if (!JsonEquals(property.Value, value))
            {
                return false;
            }
        }

        return count == concrete.EnumerateObject().Count();
    }

    /// <summary>The concrete id of a declared dependency for an invocation's MATCH values; plain ids come back as they are.</summary>
    public static string Resolve(DependencySpec declared, IReadOnlyDictionary<string, JsonElement>? matches)
    {
        if (declared.Kind != PatternKind.Match || matches is null || !TryParse(declared.ComponentId, out var pattern))
        {
            return declared.ComponentId;
        }

        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var property in pattern.EnumerateObject())
            {
                writer.WritePropertyName(property.Name);
                if (property.Value.ValueKind == JsonValueKind.String && property.Value.GetString() == Match && matches.TryGetValue(property.Name, out var value))
                {
                    value.WriteTo(writer);
                }
                else
                {
                    property.Value.WriteTo(writer);
                }
            }

            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static IReadOnlyList<DependencySpec> Resolve(IReadOnlyList<DependencySpec> declared, IReadOnlyDictionary<string, JsonElement>? matches) =>
        matches is null || matches.Count == 0
            ? declared
            : declared.Select(d => d.Kind == PatternKind.Match ? new DependencySpec(Resolve(d, matches), d.Property) { Store = d.Store } : d).ToArray();

    /// <summary>
    /// Whether two declared dependencies could name the same component property: the same property, and the same plain
    /// id or patterns with the same keys whose values agree wherever neither has a wildcard.
    /// </summary>
    public static bool Overlap(DependencySpec a, DependencySpec b)
    {
        if (a.Property != b.Property)
        {
            return false;
        }

        if (!a.ComponentId.StartsWith('{') || !b.ComponentId.StartsWith('{'))
        {
            return a.ComponentId == b.ComponentId;
        }

        if (!TryParse(a.ComponentId, out var left) || !TryParse(b.ComponentId, out var right)
            || left.EnumerateObject().Count() != right.EnumerateObject().Count())
        {
            return false;
        }

        foreach (var property in left.EnumerateObject())
        {
            if (!right.TryGetProperty(property.Name, out var other))
            {
                return false;
            }

            if (!IsWildcard(property.Value) && !IsWildcard(other) && !JsonEquals(property.Value, other))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsWildcard(JsonElement value) => value.ValueKind == JsonValueKind.String && value.GetString() is Match or All;

    /// <summary>
    /// Whether a concrete id could be one of a pattern's components: same keys, equal values where the pattern has no
    /// wildcard, and a plain value (no object or array) where it has one.
    /// </summary>
    public static bool Fits(JsonElement concrete, JsonElement pattern)
    {
        if (concrete.ValueKind != JsonValueKind.Object || pattern.ValueKind != JsonValueKind.Object
            || concrete.EnumerateObject().Count() != pattern.EnumerateObject().Count())
        {
            return false;
        }

        foreach (var property in pattern.EnumerateObject())
        {
            if (!concrete.TryGetProperty(property.Name, out var value))
            {
                return false;
            }

            var wildcard = property.Value.ValueKind == JsonValueKind.String && property.Value.GetString() is Match or All;
            if (wildcard ? value.ValueKind is JsonValueKind.Object or JsonValueKind.Array : !JsonEquals(property.Value, value))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether a concrete id has, under each MATCH key of <paramref name="pattern"/>, the value this invocation matched.</summary>
    public static bool AgreesWith(JsonElement concrete, JsonElement pattern, IReadOnlyDictionary<string, JsonElement> matches)
    {
        foreach (var property in pattern.EnumerateObject())
        {
            if (property.Value.ValueKind == JsonValueKind.String && property.Value.GetString() == Match
                && (!matches.TryGetValue(property.Name, out var matched) || !concrete.TryGetProperty(property.Name, out var value) || !JsonEquals(matched, value)))
            {
                return false;
            }
        }

        return true;
    }

    public static bool JsonEquals(JsonElement a, JsonElement b) => JsonElement.DeepEquals(a, b);
}
