namespace BackgroundCallbacks.ServerSide;

/// <summary>
/// A write-only stream into chunks that double from 4 KB to 1 MB, so a small value takes little and a large one never
/// needs one contiguous array nor the copies a growing MemoryStream makes. Chunks of 1 MB live on the large object heap,
/// where a collection does not copy them. Refuses to grow past a limit.
/// </summary>
internal sealed class ChunkWriteStream(long limit, Func<long, Exception> tooLarge) : WriteOnlyStream
{
    private const int FirstChunk = 4 * 1024;
    private const int LargestChunk = 1024 * 1024;

    private readonly List<byte[]> _chunks = [];
    private int _used;
    private long _length;

    public override long Length => _length;

    /// <summary>The chunks written, each full but the last, which holds what <see cref="Length"/> leaves.</summary>
    public IReadOnlyList<byte[]> Chunks => _chunks;

    /// <summary>The bytes the chunks take, which is what the value costs in memory (after <see cref="Trim"/>, its length).</summary>
    public long Capacity => _chunks.Sum(c => (long)c.Length);

    /// <summary>Cuts the last chunk to what it holds, once the value is complete, so the value costs its length.</summary>
    public void Trim()
    {
        if (_chunks.Count > 0 && _used < _chunks[^1].Length)
        {
            _chunks[^1] = _chunks[^1].AsSpan(0, _used).ToArray();
        }
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (_length + buffer.Length > limit)
        {
            throw tooLarge(_length + buffer.Length);
        }

        while (!buffer.IsEmpty)
        {
            if (_chunks.Count == 0 || _used == _chunks[^1].Length)
            {
                var size = _chunks.Count == 0 ? FirstChunk : Math.Min(LargestChunk, _chunks[^1].Length * 2);
                _chunks.Add(GC.AllocateUninitializedArray<byte>(size));
                _used = 0;
            }

            var take = Math.Min(buffer.Length, _chunks[^1].Length - _used);
            buffer[..take].CopyTo(_chunks[^1].AsSpan(_used));
            _used += take;
            _length += take;
            buffer = buffer[take..];
        }
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }
}
