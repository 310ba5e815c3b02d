namespace BackgroundCallbacks.ServerSide;

/// <summary>A read-only stream over chunks a <see cref="ChunkWriteStream"/> filled; the chunks are never changed after.</summary>
internal sealed class ChunkReadStream(IReadOnlyList<byte[]> chunks, long length) : ReadOnlyStream
{
    private long _position;
    private int _chunk;
    private int _offset;

    public override long Length => length;

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

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(Read(buffer.Span));
}
