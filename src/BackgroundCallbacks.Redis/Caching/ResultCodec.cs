using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace BackgroundCallbacks.Redis.Caching;

/// <summary>
/// Stores outputs compactly: small ones as their UTF-8 JSON behind a one-byte tag, large ones Brotli-compressed
/// (tag, original length, compressed bytes) when that is smaller. JSON of repetitive tables and figures shrinks
/// several times, which matters in a cache measured by memory. Decoding gives UTF-8 back, since that is what a hit
/// writes: a plain result is a slice of the stored bytes, with no copy.
/// </summary>
internal static class ResultCodec
{
    internal const int CompressAbove = 1024;

    private const byte Plain = (byte)'j';
    private const byte Brotli = (byte)'b';
    private const int BrotliQuality = 4;
    private const int BrotliWindow = 22;

    public static byte[] Encode(string outputsJson)
    {
        var length = Encoding.UTF8.GetByteCount(outputsJson);
        if (length > CompressAbove)
        {
            var utf8 = ArrayPool<byte>.Shared.Rent(length);
            var compressed = ArrayPool<byte>.Shared.Rent(5 + BrotliEncoder.GetMaxCompressedLength(length));
            try
            {
                Encoding.UTF8.GetBytes(outputsJson, utf8);
                if (BrotliEncoder.TryCompress(utf8.AsSpan(0, length), compressed.AsSpan(5), out var written, BrotliQuality, BrotliWindow) && written + 5 < length)
                {
                    compressed[0] = Brotli;
                    BinaryPrimitives.WriteInt32LittleEndian(compressed.AsSpan(1), length);
                    return compressed.AsSpan(0, written + 5).ToArray();
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(compressed);
                ArrayPool<byte>.Shared.Return(utf8);
            }
        }

        var plain = new byte[length + 1];
        plain[0] = Plain;
        Encoding.UTF8.GetBytes(outputsJson, plain.AsSpan(1));
        return plain;
    }

    /// <summary>The outputs' UTF-8 JSON in a stored value.</summary>
    public static ReadOnlyMemory<byte> Decode(ReadOnlyMemory<byte> stored)
    {
        if (stored.IsEmpty)
        {
            throw new InvalidDataException("A cached result is empty.");
        }

        var span = stored.Span;
        switch (span[0])
        {
            case Plain:
                return stored[1..];
            case Brotli:
                var length = BinaryPrimitives.ReadInt32LittleEndian(span[1..]);
                var utf8 = new byte[length];
                if (!BrotliDecoder.TryDecompress(span[5..], utf8, out var written) || written != length)
                {
                    throw new InvalidDataException("A cached result could not be decompressed.");
                }

                return utf8;
            default:
                throw new InvalidDataException("A cached result has an unknown format.");
        }
    }
}
