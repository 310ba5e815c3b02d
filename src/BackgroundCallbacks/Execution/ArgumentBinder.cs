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
    public static object?[] Bind(IReadOnlyList<ArgumentTarget> targets, IReadOnlyList<JsonElement> values, JsonSerializerOptions json)
    {
        json = Strict(json);
        var bound = new object?[targets.Count];
        for (var i = 0; i < bound.Length; i++)
        {
            var argument = targets[i];
            try
            {
                bound[i] = argument.ParameterType == typeof(JsonElement)
                    ? values[i].Clone()
                    : values[i].Deserialize(argument.ParameterType, json);
            }
            catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException or FormatException)
            {
                throw new ArgumentBindingException(
                    $"The value of {argument.Description} cannot be read as {FriendlyName(argument.ParameterType)}.", e);
            }

            if (bound[i] is null && argument.ParameterType.IsValueType && Nullable.GetUnderlyingType(argument.ParameterType) is null)
            {
                throw new ArgumentBindingException(
                    $"The value of {argument.Description} is null, but the handler takes a non-nullable {FriendlyName(argument.ParameterType)}.");
            }
        }

        return bound;
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
