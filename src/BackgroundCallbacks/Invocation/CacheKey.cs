using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;
using BackgroundCallbacks.Caching;
using BackgroundCallbacks.Registry;

namespace BackgroundCallbacks.Invocation;

/// <summary>
/// Builds the cache key: SHA-256 over a canonical JSON document (object properties sorted ordinally, numbers
/// written culture-invariantly in their shortest form) of the callback, its handler's identity, the arguments not
/// ignored (by CacheArgsToIgnore, by being left out of CacheArgs, and triggers always), the triggered inputs, the cache-by values, the MATCH values, the ids sent with ALL values not ignored, the
/// declared request values not ignored, unless results are shared the owner and, once the callback's results were
/// evicted, the eviction generation.
/// </summary>
internal static class CacheKey
{
    private const int FormatVersion = 1;

    // A key is built on every invocation of a cached callback, a hit included: each thread keeps its buffer and writer
    // for the next one. A buffer grown past this by an unusually large invocation is let go rather than kept.
    private const int KeptBufferSize = 16 * 1024;

    // Objects up to this many properties are sorted in place (stable, like OrderBy, so duplicate names keep their order);
    // larger ones, which are rare, by OrderBy itself.
    private const int SortedInPlace = 16;

    [ThreadStatic]
    private static Scratch? t_scratch;

    public static string Build(
        CallbackDefinition callback,
        InvocationRequest request,
        IReadOnlyList<KeyValuePair<string, string?>> cacheBy,
        string? owner,
        CacheGeneration generation = default)
    {
        var arguments = request.Arguments;
        var triggered = request.Triggered;

        // Taken off the thread while in use, so a build that re-entered (none does today) would get buffers of its own.
        var scratch = t_scratch ?? new Scratch();
        t_scratch = null;
        var buffer = scratch.Buffer;
        buffer.ResetWrittenCount();
        var writer = scratch.Writer;
        writer.Reset(buffer);
        try
        {
            writer.WriteStartObject();
            writer.WriteNumber("v", FormatVersion);
            writer.WriteString("callback", callback.Id);
            writer.WriteString("handler", callback.HandlerIdentity);
            writer.WriteStartArray("args");
            for (var i = 0; i < arguments.Count; i++)
            {
                if (callback.IgnoredArguments[i])
                {
                    continue;
                }

                writer.WriteStartArray();
                writer.WriteNumberValue(i);
                WriteCanonical(writer, arguments[i]);
                writer.WriteEndArray();
            }

            writer.WriteEndArray();
            if (!callback.CacheIgnoreTriggered)
            {
                writer.WriteStartArray("triggered");
                foreach (var input in triggered.Order(StringComparer.Ordinal))
                {
                    writer.WriteStringValue(input);
                }

                writer.WriteEndArray();
            }

            writer.WriteStartArray("cacheBy");
            foreach (var (name, value) in cacheBy)
            {
                writer.WriteStartArray();
                writer.WriteStringValue(name);
                writer.WriteStringValue(value);
                writer.WriteEndArray();
            }

            writer.WriteEndArray();
            writer.WriteString("owner", owner);
            if (request.Matches is { Count: > 0 } matches)
            {
                // Outputs carry the matched component's id, so two rows with equal values still need their own entries.
                writer.WriteStartObject("match");
                foreach (var (key, value) in matches.OrderBy(m => m.Key, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(key);
                    WriteCanonical(writer, value);
                }

                writer.WriteEndObject();
            }

            if (request.Ids is { } ids)
            {
                // The handler sees which rows an ALL value came from (Matched<T>, the context), so equal values in other
                // rows are another invocation. Written only when ids were sent: every other key stays as it was.
                writer.WriteStartArray("ids");
                for (var i = 0; i < ids.Count; i++)
                {
                    if (ids[i].ValueKind == JsonValueKind.Array && !callback.IgnoredArguments[i])
                    {
                        writer.WriteStartArray();
                        writer.WriteNumberValue(i);
                        WriteCanonical(writer, ids[i]);
                        writer.WriteEndArray();
                    }
                }

                writer.WriteEndArray();
            }

            WriteRequestValues(writer, callback, request.RequestValues);
            if (!generation.IsFirst)
            {
                // Written only after an eviction, so keys made before any stay as they were.
                writer.WriteStartArray("generation");
                writer.WriteNumberValue(generation.All);
                writer.WriteNumberValue(generation.Callback);
                writer.WriteEndArray();
            }

            writer.WriteEndObject();
            writer.Flush();

            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            SHA256.HashData(buffer.WrittenSpan, hash);
            return Convert.ToHexStringLower(hash);
        }
        finally
        {
            if (buffer.Capacity <= KeptBufferSize)
            {
                t_scratch = scratch;
            }
        }
    }

    /// <summary>
    /// A result computed for one caller's <c>Accept-Language: de</c> must never answer another's <c>fr</c> (Dash leaves
    /// these values out and serves the wrong one). Written only when the callback declares any, so other keys stay as
    /// they were.
    /// </summary>
    private static void WriteRequestValues(Utf8JsonWriter writer, CallbackDefinition callback, IReadOnlyList<string[]?>? values)
    {
        // Counted by the ignore flags, one per declared value, so the key needs nothing of how a value is bound.
        var ignored = callback.IgnoredRequestValues;
        if (ignored.Count == 0)
        {
            return;
        }

        writer.WriteStartArray("request");
        for (var i = 0; i < ignored.Count; i++)
        {
            if (ignored[i])
            {
                continue;
            }

            writer.WriteStartArray();
            writer.WriteNumberValue(i);
            if (values?[i] is { } strings)
            {
                writer.WriteStartArray();
                foreach (var value in strings)
                {
                    writer.WriteStringValue(value);
                }

                writer.WriteEndArray();
            }
            else
            {
                writer.WriteNullValue();
            }

            writer.WriteEndArray();
        }

        writer.WriteEndArray();
    }

    /// <summary>The properties of a small object in ordinal order of their names, sorted in pooled arrays.</summary>
    private static void WritePropertiesSorted(Utf8JsonWriter writer, JsonElement element)
    {
        var count = element.GetPropertyCount();
        var names = ArrayPool<string>.Shared.Rent(count);
        var values = ArrayPool<JsonElement>.Shared.Rent(count);
        try
        {
            var n = 0;
            foreach (var property in element.EnumerateObject())
            {
                // Insertion sort: stable, and each name is read (and allocated) once.
                var name = property.Name;
                var at = n;
                while (at > 0 && string.CompareOrdinal(names[at - 1], name) > 0)
                {
                    names[at] = names[at - 1];
                    values[at] = values[at - 1];
                    at--;
                }

                names[at] = name;
                values[at] = property.Value;
                n++;
            }

            for (var i = 0; i < n; i++)
            {
                writer.WritePropertyName(names[i]);
                WriteCanonical(writer, values[i]);
            }
        }
        finally
        {
            ArrayPool<string>.Shared.Return(names, clearArray: true);
            ArrayPool<JsonElement>.Shared.Return(values, clearArray: true);
        }
    }

    internal static void WriteCanonical(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                if (element.GetPropertyCount() <= SortedInPlace)
                {
                    WritePropertiesSorted(writer, element);
                }
                else
                {
                    foreach (var property in element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                    {
                        writer.WritePropertyName(property.Name);
                        WriteCanonical(writer, property.Value);
                    }
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    WriteCanonical(writer, item);
                }

                writer.WriteEndArray();
                break;
            case JsonValueKind.Number:
                if (element.TryGetInt64(out var integer))
                {
                    writer.WriteNumberValue(integer);
                }
                else if (element.TryGetDouble(out var real) && double.IsFinite(real) && real == Math.Floor(real) && Math.Abs(real) < 9e15)
                {
                    writer.WriteNumberValue((long)real);
                }
                else if (element.TryGetDouble(out real) && double.IsFinite(real))
                {
                    writer.WriteNumberValue(real);
                }
                else
                {
                    writer.WriteRawValue(element.GetRawText());
                }

                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }

    private sealed class Scratch
    {
        public Scratch() => Writer = new Utf8JsonWriter(Buffer);

        public ArrayBufferWriter<byte> Buffer { get; } = new(512);

        public Utf8JsonWriter Writer { get; }
    }
}
