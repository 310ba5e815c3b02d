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
    public static object?[] Bind(IReadOnlyList<ArgumentTarget> targets, IReadOnlyList<JsonElement> values, JsonSerializerOptions json, IReadOnlyList<JsonElement>? ids = null)
    {
        json = Strict(json);
        var bound = new object?[targets.Count];
        for (var i = 0; i < bound.Length; i++)
        {
            var argument = targets[i];
            bound[i] = MatchedValues.ValueTypeOf(argument.ParameterType) is { } valueType
                ? MatchedValues.Bind(values[i], ids is null ? default : ids[i], valueType, argument.Description, (value, type) => Read(value, type, argument, json))
                : Read(values[i], argument.ParameterType, argument, json);
        }

        return bound;
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
