using System.Buffers.Binary;

namespace BackgroundCallbacks.Mcp.Resources;

/// <summary>
/// What a stored value's format means to an agent. JSON, the default serializer's format, is text; every other format
/// is bytes. An array of primitive numbers is stored as an 8-byte element count and its elements, little-endian (the
/// core's raw arrays), so its length and size are known from its first bytes.
/// </summary>
internal static class ValueFormats
{
    public const string JsonMimeType = "application/json";

    public const string BinaryMimeType = "application/octet-stream";

    // The name the core's JSON serializer stores with each value; an app's own serializer names another format.
    private const string JsonFormat = "json";

    private const string RawPrefix = "raw-";

    private static readonly Dictionary<string, int> ElementSizes = new(StringComparer.Ordinal)
    {
        ["float64"] = 8,
        ["float32"] = 4,
        ["int64"] = 8,
        ["int32"] = 4,
        ["int16"] = 2,
        ["uint8"] = 1,
    };

    public static bool IsJson(string format) => string.Equals(format, JsonFormat, StringComparison.Ordinal);

    public static string MimeType(string format) => IsJson(format) ? JsonMimeType : BinaryMimeType;

    /// <summary>The element type's name (<c>float64</c>…) and size in bytes when the value is a raw array.</summary>
    public static bool TryGetRawElement(string format, out string element, out int size)
    {
        element = format.StartsWith(RawPrefix, StringComparison.Ordinal) ? format[RawPrefix.Length..] : string.Empty;
        return ElementSizes.TryGetValue(element, out size);
    }

    /// <summary>Reads a raw array's element count, the first 8 bytes of its payload; the elements follow.</summary>
    /// <exception cref="InvalidDataException">The count is not a valid array length.</exception>
    public static async Task<long> ReadCountAsync(Stream payload, CancellationToken cancellationToken)
    {
        var header = new byte[8];
        await payload.ReadExactlyAsync(header, cancellationToken).ConfigureAwait(false);
        var count = BinaryPrimitives.ReadInt64LittleEndian(header);
        return count is >= 0 and <= int.MaxValue ? count : throw new InvalidDataException("The stored array's length is not valid.");
    }
}
