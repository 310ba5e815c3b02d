using System.Buffers;
using System.Collections;
using System.Runtime.CompilerServices;
using System.Text.Json;
using BackgroundCallbacks.Registry;

namespace BackgroundCallbacks.Execution;

/// <summary>
/// Writes values for a list of component properties in the wire's shape, <c>[{"id":…,"property":…,"value":…}]</c>,
/// leaving out those that are <see cref="NoUpdate"/>; and splits what a handler returned into one value per property.
/// </summary>
internal static class DependencyValues
{
    public static string Write(IReadOnlyList<DependencySpec> dependencies, IReadOnlyList<object?> values, JsonSerializerOptions json)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            for (var i = 0; i < dependencies.Count; i++)
            {
                var value = values[i];
                if (value is NoUpdate)
                {
                    continue;
                }

                writer.WriteStartObject();
                WriteId(writer, dependencies[i].ComponentId);
                writer.WriteString("property", dependencies[i].Property);
                writer.WritePropertyName("value");
                if (value is JsonElement element)
                {
                    element.WriteTo(writer);
                }
                else
                {
                    JsonSerializer.Serialize(writer, value, value?.GetType() ?? typeof(object), json);
                }

                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static void WriteId(Utf8JsonWriter writer, string componentId)
    {
        writer.WritePropertyName("id");
        if (componentId.Length > 0 && componentId[0] == '{')
        {
            writer.WriteRawValue(componentId);
        }
        else
        {
            writer.WriteStringValue(componentId);
        }
    }

    /// <summary>
    /// Splits a returned value into <paramref name="count"/> values: a single output takes the value as it is, several
    /// take the items of a tuple or list. Null means no update at all.
    /// </summary>
    public static object?[]? Split(object? returned, int count, string what)
    {
        if (returned is NoUpdate)
        {
            return null;
        }

        if (count == 0)
        {
            return [];
        }

        if (count == 1)
        {
            return [returned];
        }

        object?[] items = returned switch
        {
            ITuple tuple => Enumerable.Range(0, tuple.Length).Select(i => tuple[i]).ToArray(),
            IList list when returned is not string => list.Cast<object?>().ToArray(),
            _ => throw new InvalidOperationException($"The {what} has {count} properties, so the handler must give a tuple or list of {count} values, not a {returned?.GetType().Name ?? "null"}."),
        };
        if (items.Length != count)
        {
            throw new InvalidOperationException($"The {what} has {count} properties, but the handler gave {items.Length} values.");
        }

        return items;
    }
}
