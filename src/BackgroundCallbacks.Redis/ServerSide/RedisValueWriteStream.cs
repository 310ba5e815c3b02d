using BackgroundCallbacks.Redis.Connections;
using BackgroundCallbacks.ServerSide;
using StackExchange.Redis;

namespace BackgroundCallbacks.Redis.ServerSide;

/// <summary>
/// The stream a value is written into: it fills one chunk and sends it to the value's temporary list when full,
/// awaiting the send before it takes more, so a value of any size costs one chunk of memory. A flush sends nothing:
/// the chunks stay full-sized. The store commits or deletes the list once the writer has returned.
/// </summary>
internal sealed class RedisValueWriteStream : WriteOnlyStream
{
    /// <summary>Appends a chunk and keeps the unfinished list alive, in one step. KEYS: the list. ARGV: chunk, ttl (ms).</summary>
    private const string Append = """
        redis.call('RPUSH', KEYS[1], ARGV[1])
        redis.call('PEXPIRE', KEYS[1], ARGV[2])
        return 1
        """;

    private readonly IDatabase _db;
    private readonly RedisKey _key;
    private readonly long _ttl;
    private readonly long _max;
    private readonly Func<long, Exception> _tooLarge;
    private readonly byte[] _buffer;
    private int _filled;
    private bool _closed;

    public RedisValueWriteStream(IDatabase db, RedisKey key, TimeSpan ttl, int chunkSize, long max, Func<long, Exception> tooLarge)
    {
        _db = db;
        _key = key;
        _ttl = (long)ttl.TotalMilliseconds;
        _max = max;
        _tooLarge = tooLarge;
        _buffer = new byte[chunkSize];
    }

    /// <summary>The bytes written so far.</summary>
    public long Written { get; private set; }

    /// <summary>The chunks sent so far.</summary>
    public int Chunks { get; private set; }

    public override bool CanWrite => !_closed;

    /// <summary>
    /// Sends what is left, after the writer returned (whether or not it disposed the stream). An empty value still sends
    /// one empty chunk, because Redis keeps no empty list: the list's existence is the value's.
    /// </summary>
    public async Task CompleteAsync()
    {
        _closed = true;
        if (_filled > 0 || Chunks == 0)
        {
            await SendAsync().ConfigureAwait(false);
        }
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Accept(buffer.Length);
        while (!buffer.IsEmpty)
        {
            var take = Math.Min(buffer.Length, _buffer.Length - _filled);
            buffer[..take].CopyTo(_buffer.AsSpan(_filled));
            _filled += take;
            buffer = buffer[take..];
            if (_filled == _buffer.Length)
            {
                // A writer that writes synchronously blocks on the send, as it would on a file.
                RedisFailures.Guard(() => _db.ScriptEvaluate(Append, [_key], [Chunk(), _ttl]));
                Sent();
            }
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Accept(buffer.Length);
        while (!buffer.IsEmpty)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var take = Math.Min(buffer.Length, _buffer.Length - _filled);
            buffer[..take].CopyTo(_buffer.AsMemory(_filled));
            _filled += take;
            buffer = buffer[take..];
            if (_filled == _buffer.Length)
            {
                await SendAsync().ConfigureAwait(false);
            }
        }
    }

    public override void WriteByte(byte value) => Write([value]);

    protected override void Dispose(bool disposing)
    {
        // The writer is done with it; what it wrote is the store's to send or drop.
        _closed = true;
        base.Dispose(disposing);
    }

    private void Accept(int count)
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        if (Written + count > _max)
        {
            throw _tooLarge(Written + count);
        }

        Written += count;
    }

    private async Task SendAsync()
    {
        await RedisFailures.GuardAsync(() => _db.ScriptEvaluateAsync(Append, [_key], [Chunk(), _ttl])).ConfigureAwait(false);
        Sent();
    }

    // The buffer is reused only after the send was awaited, so the chunk need not be copied.
    private RedisValue Chunk() => (ReadOnlyMemory<byte>)_buffer.AsMemory(0, _filled);

    private void Sent()
    {
        _filled = 0;
        Chunks++;
    }
}
