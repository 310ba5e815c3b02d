using System.Buffers;
using System.Text.Json;
using BackgroundCallbacks.Jobs;

namespace BackgroundCallbacks.Redis.Jobs;

/// <summary>
/// Writes a job record as short-named JSON and reads it back. What only the run needs (arguments, ALL ids, request
/// values) is kept apart, in its own hash field, so that a job that ends can drop it (it may be large, or hold a
/// cookie) and keep the rest for its retention. Only this codec's own
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

            // The trace the job continues wherever it runs; absent when nothing was traced.
            if (record.TraceParent is not null)
            {
                writer.WriteString("tp", record.TraceParent);
            }

            if (record.TraceState is not null)
            {
                writer.WriteString("ts", record.TraceState);
            }

            if (record.AdmittedAt is { } admitted)
            {
                writer.WriteNumber("at", admitted.ToUnixTimeMilliseconds());
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// What the run reads and nobody needs once the job ended: the arguments as the invocation wrote them, the ids of
    /// ALL values and the declared request values (which may hold a cookie). One field, dropped as a whole.
    /// </summary>
    public static byte[] EncodeArguments(JobRecord record)
    {
        var buffer = new ArrayBufferWriter<byte>(64 + record.ArgsJson.Length);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("a");
            writer.WriteRawValue(record.ArgsJson, skipInputValidation: true);
            if (record.IdsJson is not null)
            {
                writer.WritePropertyName("i");
                writer.WriteRawValue(record.IdsJson, skipInputValidation: true);
            }

            if (record.RequestValuesJson is not null)
            {
                writer.WritePropertyName("q");
                writer.WriteRawValue(record.RequestValuesJson, skipInputValidation: true);
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads a record back; <paramref name="arguments"/> is null once the job ended and dropped them.</summary>
    public static JobRecord Decode(string jobId, ReadOnlySpan<byte> utf8, byte[]? arguments)
    {
        var reader = new Utf8JsonReader(utf8);
        using var document = JsonDocument.ParseValue(ref reader);
        using var inputs = arguments is null ? null : JsonDocument.Parse(arguments);
        var run = inputs?.RootElement;
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
            run is { } a ? a.GetProperty("a").GetRawText() : JobRecord.DroppedArguments,
            triggered,
            claims,
            root.GetProperty("u").GetString(),
            root.TryGetProperty("m", out var match) ? match.GetRawText() : null,
            run is { } i && i.TryGetProperty("i", out var ids) ? ids.GetRawText() : null,
            run is { } q && q.TryGetProperty("q", out var requestValues) ? requestValues.GetRawText() : null,
            root.TryGetProperty("tp", out var traceParent) ? traceParent.GetString() : null,
            root.TryGetProperty("ts", out var traceState) ? traceState.GetString() : null,
            root.TryGetProperty("at", out var admittedAt) ? DateTimeOffset.FromUnixTimeMilliseconds(admittedAt.GetInt64()) : null);
    }
}
