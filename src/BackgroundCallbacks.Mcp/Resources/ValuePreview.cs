using System.Globalization;
using System.Text;

namespace BackgroundCallbacks.Mcp.Resources;

/// <summary>
/// A short text an agent reads in place of a server-side value: the start of its JSON, or what a raw array is
/// (<c>float64[1000000]</c>). Only the first bytes of the value are read, whatever its size.
/// </summary>
internal static class ValuePreview
{
    /// <summary>The longest preview, in characters, the ellipsis of a cut one included.</summary>
    public const int MaxLength = 200;

    /// <summary>The preview and, when reading it told, the size in bytes of what <c>resources/read</c> returns.</summary>
    public static async Task<(string Text, long? Size)> ReadAsync(string format, Stream payload, CancellationToken cancellationToken)
    {
        if (ValueFormats.TryGetRawElement(format, out var element, out var elementSize))
        {
            var count = await ValueFormats.ReadCountAsync(payload, cancellationToken).ConfigureAwait(false);
            return (string.Create(CultureInfo.InvariantCulture, $"{element}[{count}]"), count * elementSize);
        }

        if (!ValueFormats.IsJson(format))
        {
            return ($"a value in the '{format}' format", null);
        }

        // One byte more than a whole preview may take says whether the value goes on; UTF-8 is at least a byte a character.
        var buffer = new byte[MaxLength + 1];
        var read = await payload.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (read <= MaxLength)
        {
            return (Encoding.UTF8.GetString(buffer, 0, read), read);
        }

        // A decoder that is not flushed holds back a character cut in two, so the prefix stays valid text.
        var chars = new char[MaxLength - 1];
        var decoded = Encoding.UTF8.GetDecoder().GetChars(buffer, 0, MaxLength - 1, chars, 0, flush: false);
        return (new string(chars, 0, decoded) + "…", null);
    }
}
