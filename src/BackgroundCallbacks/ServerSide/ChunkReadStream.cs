namespace BackgroundCallbacks.ServerSide;

/// <summary>A read-only stream over chunks a <see cref="ChunkWriteStream"/> filled; the chunks are never changed after.</summary>
internal sealed class ChunkReadStream(IReadOnlyList<byte[]> chunks, long length) : Stream
{
    private long _position;
    private int _chunk;
    private int _offset;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = 0;
        while (!buffer.IsEmpty && _position < length)
        {
            if (_offset == chunks[_chunk].Length)
            {
                _chunk++;
                _offset = 0;
            }

            var take = (int)Math.Min(Math.Min(buffer.Length, chunks[_chunk].Length - _offset), length - _position);
            chunks[_chunk].AsSpan(_offset, take).CopyTo(buffer);
            buffer = buffer[take..];
            _offset += take;
            _position += take;
            read += take;
        }

        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(Read(buffer.AsSpan(offset, count)));

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
