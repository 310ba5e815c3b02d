using System.Buffers;
using System.Text;
using System.Text.Json;

namespace BackgroundCallbacks;

/// <summary>
/// A component's id as a handler sees it: a plain id (a string), or a pattern-matching id (a JSON object such as
/// <c>{"type":"row","index":3}</c>) whose keys can be read one by one, as in <c>id["index"].GetInt32()</c>. Two ids are
/// equal when they name the same component: equal strings, or objects with the same keys and equal values, whatever
/// the order of their keys.
/// </summary>
public sealed class ComponentId : IEquatable<ComponentId>
{
    private readonly Dictionary<string, JsonElement>? _keys;
    private readonly string _text;

    private ComponentId(string plain)
    {
        _text = plain;
        Keys = [];
    }

    private ComponentId(JsonElement pattern)
    {
        _keys = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in pattern.EnumerateObject())
        {
            _keys[property.Name] = property.Value.Clone();
        }

        Keys = [.. _keys.Keys.Order(StringComparer.Ordinal)];
        _text = Canonical(Keys, _keys);
    }

    /// <summary>Gets a value indicating whether this is a pattern-matching id (a JSON object) rather than a plain string.</summary>
    public bool IsPattern => _keys is not null;

    /// <summary>
    /// Gets the id as text: a plain id as it is; a pattern-matching id as its canonical JSON (no spaces, keys in ordinal
    /// order), the same as <see cref="ToString"/>.
    /// </summary>
    public string Value => _text;

    /// <summary>Gets the keys of a pattern-matching id in ordinal order; empty for a plain id.</summary>
    public IReadOnlyList<string> Keys { get; }

    /// <summary>Gets the value of one key of a pattern-matching id.</summary>
    /// <param name="key">The key, for example <c>index</c>.</param>
    /// <exception cref="KeyNotFoundException">The id has no such key (a plain id has none).</exception>
    public JsonElement this[string key] => TryGetValue(key, out var value)
        ? value
        : throw new KeyNotFoundException($"The component id {_text} has no key '{key}'.");

    /// <summary>Parses an id as a declaration or a client writes it: a JSON object is a pattern-matching id, any other text a plain id.</summary>
    /// <param name="id">The id, for example <c>result</c> or <c>{"type":"row","index":3}</c>.</param>
    /// <exception cref="FormatException">The id starts with <c>{</c> but is not a JSON object.</exception>
    public static ComponentId Parse(string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        if (id[0] != '{')
        {
            return new ComponentId(id);
        }

        try
        {
            using var document = JsonDocument.Parse(id);
            return document.RootElement.ValueKind == JsonValueKind.Object
                ? new ComponentId(document.RootElement)
                : throw new FormatException("A component id that starts with '{' must be a JSON object.");
        }
        catch (JsonException e)
        {
            throw new FormatException("A component id that starts with '{' must be a JSON object.", e);
        }
    }

    /// <summary>Gets the value of one key of a pattern-matching id, if it has that key.</summary>
    /// <param name="key">The key, for example <c>index</c>.</param>
    /// <param name="value">The key's value; <c>default</c> when the id has no such key.</param>
    /// <returns>Whether the id has the key.</returns>
    public bool TryGetValue(string key, out JsonElement value)
    {
        value = default;
        return _keys is not null && _keys.TryGetValue(key, out value);
    }

    /// <inheritdoc/>
    public bool Equals(ComponentId? other)
    {
        if (other is null || IsPattern != other.IsPattern)
        {
            return false;
        }

        if (_keys is null)
        {
            return string.Equals(_text, other._text, StringComparison.Ordinal);
        }

        return _keys.Count == other._keys!.Count
            && _keys.All(pair => other._keys.TryGetValue(pair.Key, out var value) && JsonElement.DeepEquals(pair.Value, value));
    }

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as ComponentId);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        if (_keys is null)
        {
            return StringComparer.Ordinal.GetHashCode(_text);
        }

        // Numbers are equal by value (1 and 1.0), so only what equal ids always share goes into the hash.
        var hash = new HashCode();
        foreach (var key in Keys)
        {
            var value = _keys[key];
            hash.Add(key, StringComparer.Ordinal);
            hash.Add(value.ValueKind);
            if (value.ValueKind == JsonValueKind.String)
            {
                hash.Add(value.GetString(), StringComparer.Ordinal);
            }
        }

        return hash.ToHashCode();
    }

    /// <summary>Returns <see cref="Value"/>: a plain id as it is, a pattern-matching id as its canonical JSON.</summary>
    /// <returns>The id as text.</returns>
    public override string ToString() => _text;

    /// <summary>Compares two ids as <see cref="Equals(ComponentId)"/> does.</summary>
    /// <param name="left">One id.</param>
    /// <param name="right">The other id.</param>
    /// <returns>Whether they name the same component.</returns>
    public static bool operator ==(ComponentId? left, ComponentId? right) => left is null ? right is null : left.Equals(right);

    /// <summary>Compares two ids as <see cref="Equals(ComponentId)"/> does.</summary>
    /// <param name="left">One id.</param>
    /// <param name="right">The other id.</param>
    /// <returns>Whether they name different components.</returns>
    public static bool operator !=(ComponentId? left, ComponentId? right) => !(left == right);

    /// <summary>An id as JSON carries it: a string is a plain id, an object a pattern-matching id.</summary>
    internal static ComponentId FromJson(JsonElement id) => id.ValueKind switch
    {
        JsonValueKind.String => new ComponentId(id.GetString()!),
        JsonValueKind.Object => new ComponentId(id),
        _ => throw new FormatException("A component id is a string or a JSON object."),
    };

    private static string Canonical(IReadOnlyList<string> keys, Dictionary<string, JsonElement> values)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var key in keys)
            {
                writer.WritePropertyName(key);
                values[key].WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
