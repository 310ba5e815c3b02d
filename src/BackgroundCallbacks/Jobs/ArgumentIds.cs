using System.Text.Json;

namespace BackgroundCallbacks.Jobs;

/// <summary>
/// The concrete ids of an invocation's ALL values, as the job record keeps them (<see cref="JobRecord.IdsJson"/>): a
/// JSON array with one item per argument, the ids the client sent for an ALL entry, else null. Other ids need no
/// storing: the declaration and the MATCH values give them.
/// </summary>
internal static class ArgumentIds
{
    /// <summary>The record's text, or null when no entry came with ids (most callbacks: their records stay as they were).</summary>
    public static string? Write(IReadOnlyList<JsonElement>? ids)
    {
        if (ids is null || ids.All(i => i.ValueKind != JsonValueKind.Array))
        {
            return null;
        }

        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartArray();
            foreach (var item in ids)
            {
                if (item.ValueKind == JsonValueKind.Array)
                {
                    item.WriteTo(writer);
                }
                else
                {
                    writer.WriteNullValue();
                }
            }

            writer.WriteEndArray();
        }

        return System.Text.Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
    }

    /// <summary>One item per argument, as <see cref="Execution.ArgumentBinder"/> takes them; null when the record has none.</summary>
    public static JsonElement[]? Read(string? idsJson)
    {
        if (idsJson is null)
        {
            return null;
        }

        using var document = JsonDocument.Parse(idsJson);
        return document.RootElement.EnumerateArray().Select(i => i.Clone()).ToArray();
    }
}
