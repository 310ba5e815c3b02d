namespace BackgroundCallbacks.ServerSide;

/// <summary>
/// A write-only stream into fixed-size chunks, so a large value never needs one large contiguous array (nor the large
/// object heap's copies a growing MemoryStream makes). Refuses to grow past a limit.
/// </summary>
internal sealed class ChunkWriteStream(long limit, Func<long, Exception> tooLarge) : Stream
{
    public const int ChunkSize = 64 * 1024;

    private readonly List<byte[]> _chunks = [];
    private int _used = ChunkSize;
    private long _length;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => _length;

    public override long Position
    {
        get => _length;
        set => throw new NotSupportedException();
    }

    /// <summary>The chunks written; the last holds <see cref="Length"/> modulo the chunk size.</summary>
    public IReadOnlyList<byte[]> Chunks => _chunks;

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (_length + buffer.Length > limit)
        {
            throw tooLarge(_length + buffer.Length);
        }

        while (!buffer.IsEmpty)
        {
            if (_used == ChunkSize)
            {
                _chunks.Add(new byte[ChunkSize]);
                _used = 0;
            }

            var take = Math.Min(buffer.Length, ChunkSize - _used);
            buffer[..take].CopyTo(_chunks[^1].AsSpan(_used));
            _used += take;
            _length += take;
            buffer = buffer[take..];
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
