using System.Text.Json;

namespace BackgroundCallbacks.Execution;

/// <summary>
/// Binds an ALL value to <see cref="Matched{T}"/> pairs: each matching component's value, read as <c>T</c>, with the
/// concrete id the client sent beside it in <c>ids</c>.
/// </summary>
internal static class MatchedValues
{
    /// <summary>The <c>Matched&lt;T&gt;</c> a parameter holds a collection of (an array or a generic collection of it), or null.</summary>
    public static Type? ElementOf(Type parameterType)
    {
        var element = parameterType.IsArray
            ? parameterType.GetElementType()
            : parameterType.IsGenericType && parameterType.GetGenericArguments() is [var only] ? only : null;
        return element is { IsGenericType: true } && element.GetGenericTypeDefinition() == typeof(Matched<>) ? element : null;
    }

    /// <summary>The <c>T</c> of a parameter an array of <c>Matched&lt;T&gt;</c> can be passed to, or null.</summary>
    public static Type? ValueTypeOf(Type parameterType) =>
        ElementOf(parameterType) is { } element && parameterType.IsAssignableFrom(element.MakeArrayType()) ? element.GetGenericArguments()[0] : null;

    /// <summary>One pair per value, in order; <paramref name="read"/> reads each value as <paramref name="valueType"/>.</summary>
    public static Array Bind(JsonElement values, JsonElement ids, Type valueType, string description, Func<JsonElement, Type, object?> read)
    {
        if (values.ValueKind != JsonValueKind.Array)
        {
            throw new ArgumentBindingException($"The value of {description} must be the array of an ALL pattern's values.");
        }

        // Without ids a value cannot be paired with its row; pairing by position with guessed ids would be wrong.
        if (ids.ValueKind != JsonValueKind.Array || ids.GetArrayLength() != values.GetArrayLength())
        {
            throw new ArgumentBindingException(
                $"The handler takes {description} as Matched<{valueType.Name}> pairs, which need the concrete id of each value: send them in 'ids'.");
        }

        var pairType = typeof(Matched<>).MakeGenericType(valueType);
        var pairs = Array.CreateInstance(pairType, values.GetArrayLength());
        var index = 0;
        foreach (var (value, id) in values.EnumerateArray().Zip(ids.EnumerateArray()))
        {
            pairs.SetValue(Activator.CreateInstance(pairType, ComponentId.FromJson(id), read(value, valueType)), index++);
        }

        return pairs;
    }
}
