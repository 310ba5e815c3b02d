using System.IO.Compression;
using System.Text;

namespace BackgroundCallbacks.ServerSide;

/// <summary>Reads the header <see cref="ValueEncoder"/> wrote and gives back the value's bytes as the serializer wrote them.</summary>
internal static class ValueDecoder
{
    /// <summary>The serializer's format name and a stream of its bytes, decompressed as they are read.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a value this version wrote.</exception>
    public static async Task<(string Format, Stream Payload)> OpenAsync(Stream stored, CancellationToken cancellationToken)
    {
        var fixedPart = new byte[3];
        await stored.ReadExactlyAsync(fixedPart, cancellationToken).ConfigureAwait(false);
        if (fixedPart[0] != ValueEncoder.Version || fixedPart[1] > ValueEncoder.Zlib)
        {
            throw new InvalidDataException("The stored value was not written by this version of BackgroundCallbacks.");
        }

        var name = new byte[fixedPart[2]];
        await stored.ReadExactlyAsync(name, cancellationToken).ConfigureAwait(false);
        var payload = fixedPart[1] == ValueEncoder.Zlib ? new ZLibStream(stored, CompressionMode.Decompress, leaveOpen: false) : stored;
        return (Encoding.ASCII.GetString(name), payload);
    }
}
