using System.Text.Json;

namespace BackgroundCallbacks.Client.Transport;

/// <summary>Writes an invocation's JSON body in the protocol's shape.</summary>
internal static class InvocationBody
{
    public static byte[] Write(CallbackRequest request)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            WriteValues(writer, "inputs", request.Inputs);
            WriteValues(writer, "state", request.State);
            writer.WriteStartArray("triggered");
            foreach (var triggered in request.Triggered)
            {
                writer.WriteStringValue(triggered);
            }

            writer.WriteEndArray();
            if (request.Page is { } page)
            {
                writer.WriteString("page", page);
            }

            if (request.Url is { } url)
            {
                writer.WriteString("url", url.AbsoluteUri);
            }

            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static void WriteValues(Utf8JsonWriter writer, string name, IEnumerable<CallbackValue> values)
    {
        writer.WriteStartArray(name);
        foreach (var value in values)
        {
            writer.WriteStartObject();
            writer.WritePropertyName("id");
            value.Id.WriteTo(writer);
            writer.WriteString("property", value.Property);
            writer.WritePropertyName("value");
            if (value.Value.ValueKind == JsonValueKind.Undefined)
            {
                writer.WriteNullValue();
            }
            else
            {
                value.Value.WriteTo(writer);
            }

            if (value.Ids is { } ids)
            {
                writer.WriteStartArray("ids");
                foreach (var id in ids)
                {
                    id.WriteTo(writer);
                }

                writer.WriteEndArray();
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }
}
