using System.Text.Json;

namespace BackgroundCallbacks.Client;

/// <summary>
/// One component property and its value, the protocol's <c>{"id", "property", "value"}</c>: an input or state value
/// sent with an invocation, or an output or progress value received.
/// </summary>
public sealed class CallbackValue
{
    /// <summary>A value to send.</summary>
    /// <param name="id">
    /// The component's id: a string, or a pattern-matching id as an object that serializes to a JSON object
    /// (an anonymous object, a dictionary or a <see cref="JsonElement"/>).
    /// </param>
    /// <param name="property">The component's property, as declared.</param>
    /// <param name="value">The value, serialized as JSON (a <see cref="JsonElement"/> is sent as it is).</param>
    /// <param name="ids">For an ALL entry: the concrete id of each value's component, in the order of the values.</param>
    /// <param name="serializerOptions">How to serialize <paramref name="value"/>; <see cref="JsonSerializerOptions.Web"/> when null.</param>
    public CallbackValue(object id, string property, object? value, IEnumerable<object>? ids = null, JsonSerializerOptions? serializerOptions = null)
    {
        ArgumentNullException.ThrowIfNull(id);
        ArgumentException.ThrowIfNullOrEmpty(property);
        Id = ToElement(id, null);
        Property = property;
        Value = ToElement(value, serializerOptions);
        Ids = ids?.Select(i => ToElement(i, null)).ToArray();
    }

    internal CallbackValue(JsonElement id, string property, JsonElement value)
    {
        Id = id;
        Property = property;
        Value = value;
    }

    /// <summary>The component's id: a JSON string, or a JSON object for a pattern-matching component.</summary>
    public JsonElement Id { get; }

    /// <summary>The component's property.</summary>
    public string Property { get; }

    /// <summary>The value, as JSON.</summary>
    public JsonElement Value { get; }

    /// <summary>For an ALL entry sent with an invocation: the concrete ids of the values' components; otherwise null.</summary>
    public IReadOnlyList<JsonElement>? Ids { get; }

    /// <summary>Reads <see cref="Value"/> as <typeparamref name="T"/>.</summary>
    /// <param name="serializerOptions">How to read it; <see cref="JsonSerializerOptions.Web"/> when null.</param>
    /// <returns>The value, or default when it is JSON null.</returns>
    public T? GetValue<T>(JsonSerializerOptions? serializerOptions = null) =>
        Value.Deserialize<T>(serializerOptions ?? JsonSerializerOptions.Web);

    /// <summary>Whether this is the value of the component with the string id <paramref name="id"/> and this property.</summary>
    /// <param name="id">A string component id.</param>
    /// <param name="property">The property.</param>
    /// <returns>True when both match.</returns>
    public bool Is(string id, string property) =>
        Id.ValueKind == JsonValueKind.String && Id.ValueEquals(id) && Property == property;

    /// <inheritdoc/>
    public override string ToString() => $"{(Id.ValueKind == JsonValueKind.String ? Id.GetString() : Id.GetRawText())}.{Property} = {Value.GetRawText()}";

    private static JsonElement ToElement(object? value, JsonSerializerOptions? options) => value switch
    {
        JsonElement element => element.Clone(),
        _ => JsonSerializer.SerializeToElement(value, value?.GetType() ?? typeof(object), options ?? JsonSerializerOptions.Web),
    };
}
