using System.Buffers;
using System.Text.Json;
using BackgroundCallbacks.Execution;
using BackgroundCallbacks.Registry;

namespace BackgroundCallbacks.Protocol;

/// <summary>
/// The one home of the wire's component-value shape, <c>[{"id":…,"property":…,"value":…}]</c>: outputs, progress
/// and progress defaults are all written here. A value that is <see cref="NoUpdate"/> is left out.
/// </summary>
internal static class ComponentValues
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

    /// <summary>Writes one value of the list whose value is already JSON, such as a declared progress default.</summary>
    public static void WriteEntry(Utf8JsonWriter writer, string componentId, string property, JsonElement value)
    {
        writer.WriteStartObject();
        WriteId(writer, componentId);
        writer.WriteString("property", property);
        writer.WritePropertyName("value");
        value.WriteTo(writer);
        writer.WriteEndObject();
    }

    /// <summary>Writes the <c>id</c> property: a string id as a string, a pattern-matching id as its JSON object.</summary>
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
}
