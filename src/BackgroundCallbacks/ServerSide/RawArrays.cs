using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace BackgroundCallbacks.ServerSide;

/// <summary>
/// Arrays of primitive numbers are stored as their bytes, whatever serializer the app uses: a million doubles are 8 MB
/// copied in milliseconds, where their JSON is 19 MB that takes half a second each way. The payload is the element
/// count (8 bytes) and the elements, little-endian.
/// </summary>
internal static class RawArrays
{
    private const string Prefix = "raw-";
    private const int Chunk = 64 * 1024;

    private static readonly Dictionary<Type, string> Names = new()
    {
        [typeof(double)] = "float64",
        [typeof(float)] = "float32",
        [typeof(long)] = "int64",
        [typeof(int)] = "int32",
        [typeof(short)] = "int16",
        [typeof(byte)] = "uint8",
    };

    private static readonly Dictionary<string, Type> Types = Names.ToDictionary(p => Prefix + p.Value, p => p.Key, StringComparer.Ordinal);

    /// <summary>The format a value is stored in raw, or null when it is not an array of primitive numbers.</summary>
    public static string? FormatOf(object? value) =>
        BitConverter.IsLittleEndian && value is Array { Rank: 1 } array && array.GetType().GetElementType() is { } element
        && Names.TryGetValue(element, out var name) ? Prefix + name : null;

    public static bool IsRaw(string format) => Types.ContainsKey(format);

    public static Task WriteAsync(Stream destination, Array array, CancellationToken cancellationToken) => array switch
    {
        double[] a => WriteAsync<double>(destination, a, cancellationToken),
        float[] a => WriteAsync<float>(destination, a, cancellationToken),
        long[] a => WriteAsync<long>(destination, a, cancellationToken),
        int[] a => WriteAsync<int>(destination, a, cancellationToken),
        short[] a => WriteAsync<short>(destination, a, cancellationToken),
        byte[] a => WriteAsync<byte>(destination, a, cancellationToken),
        _ => throw new ArgumentException("Not an array of primitive numbers.", nameof(array)),
    };

    /// <summary>Reads an array stored raw and hands it over as <paramref name="declared"/>: the array itself, or a collection made from it.</summary>
    /// <exception cref="ServerSideValueException">The declared type cannot hold an array of that element type.</exception>
    public static async Task<object> ReadAsync(Stream source, string format, Type declared, string description, CancellationToken cancellationToken)
    {
        var element = Types[format];
        Array array = element switch
        {
            _ when element == typeof(double) => await ReadAsync<double>(source, cancellationToken).ConfigureAwait(false),
            _ when element == typeof(float) => await ReadAsync<float>(source, cancellationToken).ConfigureAwait(false),
            _ when element == typeof(long) => await ReadAsync<long>(source, cancellationToken).ConfigureAwait(false),
            _ when element == typeof(int) => await ReadAsync<int>(source, cancellationToken).ConfigureAwait(false),
            _ when element == typeof(short) => await ReadAsync<short>(source, cancellationToken).ConfigureAwait(false),
            _ => await ReadAsync<byte>(source, cancellationToken).ConfigureAwait(false),
        };

        var target = Nullable.GetUnderlyingType(declared) ?? declared;
        if (target.IsAssignableFrom(array.GetType()))
        {
            return array;
        }

        if (!target.IsAbstract && target.GetConstructor([typeof(IEnumerable<>).MakeGenericType(element)]) is { } fromItems)
        {
            return fromItems.Invoke([array]);
        }

        throw new ServerSideValueException($"The server-side value of {description} is an array of {element.Name}; the handler takes {declared.Name}.");
    }

    private static async Task WriteAsync<T>(Stream destination, T[] array, CancellationToken cancellationToken)
        where T : unmanaged
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Chunk);
        try
        {
            BinaryPrimitives.WriteInt64LittleEndian(buffer, array.LongLength);
            await destination.WriteAsync(buffer.AsMemory(0, 8), cancellationToken).ConfigureAwait(false);
            var size = array.LongLength * Marshal.SizeOf<T>();
            for (long offset = 0; offset < size; offset += Chunk)
            {
                var take = (int)Math.Min(Chunk, size - offset);
                MemoryMarshal.AsBytes(array.AsSpan()).Slice((int)offset, take).CopyTo(buffer);
                await destination.WriteAsync(buffer.AsMemory(0, take), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static async Task<T[]> ReadAsync<T>(Stream source, CancellationToken cancellationToken)
        where T : unmanaged
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Chunk);
        try
        {
            await source.ReadExactlyAsync(buffer.AsMemory(0, 8), cancellationToken).ConfigureAwait(false);
            var count = BinaryPrimitives.ReadInt64LittleEndian(buffer);
            var size = count * Marshal.SizeOf<T>();
            if (count < 0 || size > Array.MaxLength)
            {
                throw new InvalidDataException("The stored array's length is not valid.");
            }

            var array = new T[count];
            for (long offset = 0; offset < size;)
            {
                var read = await source.ReadAsync(buffer.AsMemory(0, (int)Math.Min(Chunk, size - offset)), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new InvalidDataException("The stored array ends early.");
                }

                buffer.AsSpan(0, read).CopyTo(MemoryMarshal.AsBytes(array.AsSpan())[(int)offset..]);
                offset += read;
            }

            return array;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
