using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace BackgroundCallbacks.Benchmarks;

/// <summary>
/// A binary format for server-side values, as an app with large numeric data would register it: a <c>double[]</c> is
/// written as its raw little-endian bytes, anything else as JSON. One tag byte tells the two apart when read.
/// </summary>
public sealed class DoubleArraySerializer : IServerSideSerializer
{
    private const byte JsonTag = 0;
    private const byte DoublesTag = 1;

    // Copied through a buffer of this size: the value flows to the store in bounded pieces, as the JSON one does.
    private const int Block = 64 * 1024;

    public string Format => "bench-f64";

    public async ValueTask SerializeAsync(Stream destination, object? value, Type type, CancellationToken cancellationToken)
    {
        if (value is not double[] doubles || !BitConverter.IsLittleEndian)
        {
            await destination.WriteAsync(new[] { JsonTag }, cancellationToken).ConfigureAwait(false);
            await JsonSerializer.SerializeAsync(destination, value, type, JsonSerializerOptions.Web, cancellationToken).ConfigureAwait(false);
            return;
        }

        var header = new byte[9];
        header[0] = DoublesTag;
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(1), doubles.LongLength);
        await destination.WriteAsync(header, cancellationToken).ConfigureAwait(false);
        var buffer = new byte[Block];
        for (var start = 0; start < doubles.Length; start += Block / sizeof(double))
        {
            var bytes = Copy(doubles, start, buffer);
            await destination.WriteAsync(buffer.AsMemory(0, bytes), cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask<object?> DeserializeAsync(Stream source, Type type, CancellationToken cancellationToken)
    {
        var tag = new byte[1];
        await source.ReadExactlyAsync(tag, cancellationToken).ConfigureAwait(false);
        if (tag[0] == JsonTag)
        {
            return await JsonSerializer.DeserializeAsync(source, type, JsonSerializerOptions.Web, cancellationToken).ConfigureAwait(false);
        }

        if (type != typeof(double[]))
        {
            throw new InvalidDataException($"A double[] was stored; the handler asks for {type}.");
        }

        var count = new byte[8];
        await source.ReadExactlyAsync(count, cancellationToken).ConfigureAwait(false);
        var doubles = new double[checked((int)BinaryPrimitives.ReadInt64LittleEndian(count))];

        // A span cannot cross an await: a synchronous read fills the array without a second copy, and the embedded
        // store's stream never blocks.
        source.ReadExactly(MemoryMarshal.AsBytes(doubles.AsSpan()));
        return doubles;
    }

    private static int Copy(double[] doubles, int start, byte[] buffer)
    {
        var slice = doubles.AsSpan(start, Math.Min(Block / sizeof(double), doubles.Length - start));
        MemoryMarshal.AsBytes(slice).CopyTo(buffer);
        return slice.Length * sizeof(double);
    }
}
