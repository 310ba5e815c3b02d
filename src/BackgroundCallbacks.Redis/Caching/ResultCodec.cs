using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace BackgroundCallbacks.Redis.Caching;

/// <summary>
/// Stores outputs compactly: small ones as their UTF-8 JSON behind a one-byte tag, large ones Brotli-compressed
/// (tag, original length, compressed bytes) when that is smaller. JSON of repetitive tables and figures shrinks
/// several times, which matters in a cache measured by memory.
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
        var utf8 = Encoding.UTF8.GetBytes(outputsJson);
        if (utf8.Length > CompressAbove)
        {
            var compressed = new byte[5 + BrotliEncoder.GetMaxCompressedLength(utf8.Length)];
            if (BrotliEncoder.TryCompress(utf8, compressed.AsSpan(5), out var written, BrotliQuality, BrotliWindow) && written + 5 < utf8.Length)
            {
                compressed[0] = Brotli;
                BinaryPrimitives.WriteInt32LittleEndian(compressed.AsSpan(1), utf8.Length);
                return compressed.AsSpan(0, written + 5).ToArray();
            }
        }

        var plain = new byte[utf8.Length + 1];
        plain[0] = Plain;
        utf8.CopyTo(plain, 1);
        return plain;
    }

    public static string Decode(ReadOnlySpan<byte> stored)
    {
        if (stored.IsEmpty)
        {
            throw new InvalidDataException("A cached result is empty.");
        }

        switch (stored[0])
        {
            case Plain:
                return Encoding.UTF8.GetString(stored[1..]);
            case Brotli:
                var length = BinaryPrimitives.ReadInt32LittleEndian(stored[1..]);
                var utf8 = new byte[length];
                if (!BrotliDecoder.TryDecompress(stored[5..], utf8, out var written) || written != length)
                {
                    throw new InvalidDataException("A cached result could not be decompressed.");
                }

                return Encoding.UTF8.GetString(utf8);
            default:
                throw new InvalidDataException("A cached result has an unknown format.");
        }
    }
}
