using System.Text.Json;
using BackgroundCallbacks.Registry;

namespace BackgroundCallbacks.Execution;

/// <summary>
/// Reads argument values into the types the handler's parameters declare. The type always comes from the
/// handler, never from the client.
/// </summary>
internal static class ArgumentBinder
{
    /// <summary>Binds every argument; throws <see cref="ArgumentBindingException"/> naming the first one that does not fit.</summary>
    public static object?[] Bind(CallbackDefinition callback, IReadOnlyList<JsonElement> values, JsonSerializerOptions json)
    {
        var bound = new object?[callback.Arguments.Count];
        for (var i = 0; i < bound.Length; i++)
        {
            var argument = callback.Arguments[i];
            try
            {
                bound[i] = argument.ParameterType == typeof(JsonElement)
                    ? values[i].Clone()
                    : values[i].Deserialize(argument.ParameterType, json);
            }
            catch (Exception e) when (e is JsonException or NotSupportedException or InvalidOperationException or FormatException)
            {
                throw new ArgumentBindingException(
                    $"The value of {argument.Dependency} ('{argument.Name}') cannot be read as {FriendlyName(argument.ParameterType)}.", e);
            }

            if (bound[i] is null && argument.ParameterType.IsValueType && Nullable.GetUnderlyingType(argument.ParameterType) is null)
            {
                throw new ArgumentBindingException(
                    $"The value of {argument.Dependency} ('{argument.Name}') is null, but the handler takes a non-nullable {FriendlyName(argument.ParameterType)}.");
            }
        }

        return bound;
    }

    private static string FriendlyName(Type type) =>
        Nullable.GetUnderlyingType(type) is { } inner ? inner.Name + "?" : type.Name;
}
