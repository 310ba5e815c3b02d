using BackgroundCallbacks.ServerSide;
using BackgroundCallbacks.Redis.Connections;
using StackExchange.Redis;

namespace BackgroundCallbacks.Redis.ServerSide;

/// <summary>
/// A value's bytes, fetched one chunk at a time as the reader gets to it, so reading a value of any size costs one chunk
/// of memory.
/// </summary>
internal sealed class RedisValueReadStream(IDatabase db, RedisKey key, int chunks, long length) : ReadOnlyStream
{
    private byte[] _chunk = [];
    private int _offset;
    private int _next;
    private long _position;

    public override long Length => length;

    public override int Read(Span<byte> buffer)
    {
        while (_offset == _chunk.Length && _next < chunks && !buffer.IsEmpty)
        {
            Fetched(RedisFailures.Guard(() => db.ListGetByIndex(key, _next)));
        }

        return Copy(buffer);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // Empty chunks (an empty value has one) are skipped, so a read answers 0 only at the end.
        while (_offset == _chunk.Length && _next < chunks && !buffer.IsEmpty)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Fetched(await RedisFailures.GuardAsync(() => db.ListGetByIndexAsync(key, _next)).ConfigureAwait(false));
        }

        return Copy(buffer.Span);
    }

    private void Fetched(RedisValue chunk)
    {
        // The expiry was restarted when the stream was opened; only a read slower than the whole expiry gets here.
        _chunk = chunk.IsNull ? throw new IOException("The value expired while it was being read.") : (byte[])chunk!;
        _offset = 0;
        _next++;
    }

    private int Copy(Span<byte> buffer)
    {
        var count = Math.Min(buffer.Length, _chunk.Length - _offset);
        _chunk.AsSpan(_offset, count).CopyTo(buffer);
        _offset += count;
        _position += count;
        return count;
    }
}
