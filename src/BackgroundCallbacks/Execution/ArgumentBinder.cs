using System.Text.Json;

namespace BackgroundCallbacks.Execution;

/// <summary>
/// Reads argument values into the types the handler's parameters declare. The type always comes from the
/// handler, never from the client.
/// </summary>
internal static class ArgumentBinder
{
    /// <summary>Binds every argument; throws <see cref="ArgumentBindingException"/> naming the first one that does not fit.</summary>
    public static object?[] Bind(IReadOnlyList<ArgumentTarget> targets, IReadOnlyList<JsonElement> values, JsonSerializerOptions json)
    {
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

    private static string FriendlyName(Type type) =>
        Nullable.GetUnderlyingType(type) is { } inner ? inner.Name + "?" : type.Name;
}
