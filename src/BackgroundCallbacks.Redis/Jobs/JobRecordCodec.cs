using System.Buffers;
using System.Text;
using System.Text.Json;
using BackgroundCallbacks.Jobs;

namespace BackgroundCallbacks.Redis.Jobs;

/// <summary>
/// Writes a job record as short-named JSON and reads it back. The arguments are kept apart, in their own hash field,
/// so that a job that ends can drop them (they may be large) and keep the rest for its retention. Only this codec's own
/// shape is ever read; nothing names a type.
/// </summary>
internal static class JobRecordCodec
{
    public static byte[] Encode(JobRecord record)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("o", record.Owner);
            writer.WriteString("c", record.CallbackId);
            writer.WriteString("k", record.Key);
            writer.WriteStartArray("t");
            foreach (var triggered in record.Triggered)
            {
                writer.WriteStringValue(triggered);
            }

            writer.WriteEndArray();
            writer.WriteStartArray("l");
            foreach (var (type, value) in record.Claims)
            {
                writer.WriteStartArray();
                writer.WriteStringValue(type);
                writer.WriteStringValue(value);
                writer.WriteEndArray();
            }

            writer.WriteEndArray();
            writer.WriteString("u", record.AuthenticationType);
            if (record.MatchJson is not null)
            {
                writer.WritePropertyName("m");
                writer.WriteRawValue(record.MatchJson, skipInputValidation: false);
            }

            if (record.IdsJson is not null)
            {
                writer.WritePropertyName("i");
                writer.WriteRawValue(record.IdsJson, skipInputValidation: false);
            }

            if (record.RequestValuesJson is not null)
            {
                writer.WritePropertyName("q");
                writer.WriteRawValue(record.RequestValuesJson, skipInputValidation: false);
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The arguments as stored: the JSON array as the invocation wrote it.</summary>
    public static byte[] EncodeArguments(JobRecord record) => Encoding.UTF8.GetBytes(record.ArgsJson);

    /// <summary>Reads a record back; <paramref name="arguments"/> is null once the job ended and dropped them.</summary>
    public static JobRecord Decode(string jobId, ReadOnlySpan<byte> utf8, byte[]? arguments)
    {
        var reader = new Utf8JsonReader(utf8);
        using var document = JsonDocument.ParseValue(ref reader);
        var root = document.RootElement;
        var triggered = root.GetProperty("t").EnumerateArray().Select(e => e.GetString()!).ToArray();
        var claims = root.GetProperty("l").EnumerateArray()
            .Select(e => new KeyValuePair<string, string>(e[0].GetString()!, e[1].GetString()!))
            .ToArray();
        return new JobRecord(
            jobId,
            root.GetProperty("o").GetString()!,
            root.GetProperty("c").GetString()!,
            root.GetProperty("k").GetString(),
            arguments is null ? JobRecord.DroppedArguments : Encoding.UTF8.GetString(arguments),
            triggered,
            claims,
            root.GetProperty("u").GetString(),
            root.TryGetProperty("m", out var match) ? match.GetRawText() : null,
            root.TryGetProperty("i", out var ids) ? ids.GetRawText() : null,
            root.TryGetProperty("q", out var requestValues) ? requestValues.GetRawText() : null);
    }
}
