using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace BackgroundCallbacks.Execution;

/// <summary>
/// Reads argument values into the types the handler's parameters declare. The type always comes from the
/// handler, never from the client.
/// </summary>
internal static class ArgumentBinder
{
    private static readonly ConditionalWeakTable<JsonSerializerOptions, JsonSerializerOptions> StrictOptions = [];

    /// <summary>Binds every argument; throws <see cref="ArgumentBindingException"/> naming the first one that does not fit.</summary>
    /// <param name="targets">What each argument binds to.</param>
    /// <param name="values">One value per argument.</param>
    /// <param name="json">The app's serializer options.</param>
    /// <param name="ids">
    /// One item per argument: an ALL entry's concrete ids as the client sent them, else undefined; null when none was sent.
    /// Only parameters that take <see cref="Matched{T}"/> pairs need them.
    /// </param>
    /// <param name="resolved">
    /// The values of the server-side references the arguments hold, by reference and type (see <see cref="References"/>);
    /// null to check only that reference arguments hold references, binding them to null.
    /// </param>
    public static object?[] Bind(
        IReadOnlyList<ArgumentTarget> targets,
        IReadOnlyList<JsonElement> values,
        JsonSerializerOptions json,
        IReadOnlyList<JsonElement>? ids = null,
        IReadOnlyDictionary<(string Reference, Type Type), object?>? resolved = null)
    {
        json = Strict(json);
        var bound = new object?[targets.Count];
        for (var i = 0; i < bound.Length; i++)
        {
            // A reader delegate only for the values read item by item: a plain value (every value of a cache hit's
            // check, often) is read with no delegate or closure made for it.
            var argument = targets[i];
            if (argument.MatchedValueType is { } valueType)
            {
                bound[i] = MatchedValues.Bind(values[i], ids is null ? default : ids[i], valueType, argument.Description, Reader(argument, json, resolved));
            }
            else if (argument.IsReference && values[i].ValueKind == JsonValueKind.Array)
            {
                bound[i] = ReadReferences(values[i], argument, Reader(argument, json, resolved));
            }
            else
            {
                bound[i] = argument.IsReference
                    ? ReadReference(values[i], argument.ParameterType, argument, resolved)
                    : Read(values[i], argument.ParameterType, argument, json);
            }
        }

        return bound;
    }

    private static Func<JsonElement, Type, object?> Reader(ArgumentTarget argument, JsonSerializerOptions json, IReadOnlyDictionary<(string Reference, Type Type), object?>? resolved) =>
        argument.IsReference
            ? (value, type) => ReadReference(value, type, argument, resolved)
            : (value, type) => Read(value, type, argument, json);

    /// <summary>
    /// The server-side references the arguments hold, each with the type its value is read as and the argument's
    /// description; a reference argument holding something else is left for <see cref="Bind"/> to refuse.
    /// </summary>
    public static IEnumerable<(string Reference, Type Type, string Description)> References(IReadOnlyList<ArgumentTarget> targets, IReadOnlyList<JsonElement> values)
    {
        for (var i = 0; i < targets.Count; i++)
        {
            var argument = targets[i];
            if (!argument.IsReference)
            {
                continue;
            }

            if (values[i].ValueKind == JsonValueKind.String)
            {
                yield return (values[i].GetString()!, argument.ParameterType, argument.Description);
            }
            else if (values[i].ValueKind == JsonValueKind.Array && (MatchedValues.ValueTypeOf(argument.ParameterType) ?? ElementTypeOf(argument.ParameterType)) is { } element)
            {
                foreach (var item in values[i].EnumerateArray().Where(v => v.ValueKind == JsonValueKind.String))
                {
                    yield return (item.GetString()!, element, argument.Description);
                }
            }
        }
    }

    private static object? ReadReference(JsonElement value, Type type, ArgumentTarget argument, IReadOnlyDictionary<(string, Type), object?>? resolved)
    {
        if (value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            // Nothing made the value yet (the initial call of a page): the handler gets null, as for any empty property.
            return type.IsValueType && Nullable.GetUnderlyingType(type) is null
                ? throw new ArgumentBindingException($"The value of {argument.Description} is null, but the handler takes a non-nullable {FriendlyName(type)}.")
                : null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw new ArgumentBindingException($"The value of {argument.Description} must be a server-side reference (the property holds another callback's server-side output), or null.");
        }

        return resolved is null ? null : resolved[(value.GetString()!, type)];
    }

    /// <summary>An ALL pattern over server-side values: each reference read as the collection's element type.</summary>
    private static object ReadReferences(JsonElement values, ArgumentTarget argument, Func<JsonElement, Type, object?> read)
    {
        var element = ElementTypeOf(argument.ParameterType)
            ?? throw new ArgumentBindingException($"The handler takes {argument.Description}, an ALL pattern over server-side values, as {FriendlyName(argument.ParameterType)}; take an array or a list.");
        var items = Array.CreateInstance(element, values.GetArrayLength());
        var index = 0;
        foreach (var value in values.EnumerateArray())
        {
            items.SetValue(read(value, element), index++);
        }

        return argument.ParameterType.IsAssignableFrom(items.GetType())
            ? items
            : Activator.CreateInstance(argument.ParameterType, items)!;
    }

    /// <summary>The element type of an array or of a one-argument generic collection an array (or a list made from one) can be passed as.</summary>
    private static Type? ElementTypeOf(Type type)
    {
        var element = type.IsArray ? type.GetElementType() : type.IsGenericType && type.GetGenericArguments() is [var only] ? only : null;
        if (element is null)
        {
            return null;
        }

        var array = element.MakeArrayType();
        return type.IsAssignableFrom(array) || (!type.IsAbstract && type.GetConstructor([typeof(IEnumerable<>).MakeGenericType(element)]) is not null) ? element : null;
    }

    private static object? Read(JsonElement value, Type type, ArgumentTarget argument, JsonSerializerOptions json)
    {
        object? read;
        try
        {
            read = type == typeof(JsonElement) ? value.Clone() : value.Deserialize(type, json);
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException or FormatException)
        {
            throw new ArgumentBindingException(
                $"The value of {argument.Description} cannot be read as {FriendlyName(type)}.", e);
        }

        if (read is null && type.IsValueType && Nullable.GetUnderlyingType(type) is null)
        {
            throw new ArgumentBindingException(
                $"The value of {argument.Description} is null, but the handler takes a non-nullable {FriendlyName(type)}.");
        }

        return read;
    }

    /// <summary>
    /// The app's options, read strictly: a JSON string is never read as a number (the web defaults would take "7" for
    /// an int) just as a number is never read as a string, and a property named twice is refused. One rule for every
    /// type, so a client learns it once; a converter the app adds may still choose otherwise for its own types.
    /// </summary>
    private static JsonSerializerOptions Strict(JsonSerializerOptions json) =>
        StrictOptions.GetValue(json, static options => new JsonSerializerOptions(options)
        {
            NumberHandling = JsonNumberHandling.Strict,
            AllowDuplicateProperties = false,
        });

    private static string FriendlyName(Type type) =>
        Nullable.GetUnderlyingType(type) is { } inner ? inner.Name + "?" : type.Name;
}
