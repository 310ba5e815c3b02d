using System.Buffers;
using System.IO.Compression;
using System.Text;

namespace BackgroundCallbacks.ServerSide;

/// <summary>
/// The stream a serializer writes a value into: it frames the bytes with a header (version, compression, format name)
/// and compresses them when that pays (halves the first 64 KB). Nothing is held beyond that first block, so a value
/// of any size flows to its store in bounded memory.
/// </summary>
/// <remarks>The header: byte 0 the version (1), byte 1 the compression (0 none, 1 zlib), byte 2 the format name's length n, then n ASCII bytes.</remarks>
internal sealed class ValueEncoder(Stream destination, string format) : WriteOnlyStream
{
    public const byte Version = 1;
    public const byte Raw = 0;
    public const byte Zlib = 1;

    private const int Sample = 64 * 1024;

    // Below this a value is kept as it is: compressing it saves too little to be worth a decoder.
    private const int Small = 1024;

    private byte[]? _sample = ArrayPool<byte>.Shared.Rent(Sample);
    private int _sampled;
    private Stream? _sink;
    private long _written;

    public override long Length => _written;

    // A serializer that writes synchronously waits for the store here; JSON and the raw arrays write asynchronously.
    public override void Write(ReadOnlySpan<byte> buffer) => WriteAsync(buffer.ToArray()).AsTask().GetAwaiter().GetResult();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _written += buffer.Length;
        if (_sink is not null)
        {
            await _sink.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            return;
        }

        var take = Math.Min(buffer.Length, Sample - _sampled);
        buffer.Span[..take].CopyTo(_sample.AsSpan(_sampled));
        _sampled += take;
        if (_sampled == Sample)
        {
            await DecideAsync(cancellationToken).ConfigureAwait(false);
            await _sink!.WriteAsync(buffer[take..], cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Writes what is still held and ends the compressed stream; call once the serializer is done.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken)
    {
        if (_sink is null)
        {
            await DecideAsync(cancellationToken).ConfigureAwait(false);
        }

        if (!ReferenceEquals(_sink, destination))
        {
            await _sink!.DisposeAsync().ConfigureAwait(false);
        }

        await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task DecideAsync(CancellationToken cancellationToken)
    {
        var sample = _sample!.AsMemory(0, _sampled);
        var compress = _sampled >= Small && Compresses(sample.Span);
        var name = Encoding.ASCII.GetBytes(format);
        var header = new byte[3 + name.Length];
        header[0] = Version;
        header[1] = compress ? Zlib : Raw;
        header[2] = (byte)name.Length;
        name.CopyTo(header, 3);
        await destination.WriteAsync(header, cancellationToken).ConfigureAwait(false);
        _sink = compress ? new ZLibStream(destination, CompressionLevel.Fastest, leaveOpen: true) : destination;
        await _sink.WriteAsync(sample, cancellationToken).ConfigureAwait(false);
        ArrayPool<byte>.Shared.Return(_sample!);
        _sample = null;
    }

    /// <summary>
    /// Whether the fastest compression halves the sample. Less is not worth it: zlib costs about what serializing did,
    /// and random numbers as JSON text save under a third.
    /// </summary>
    private static bool Compresses(ReadOnlySpan<byte> sample)
    {
        using var trial = new MemoryStream(sample.Length);
        using (var zlib = new ZLibStream(trial, CompressionLevel.Fastest, leaveOpen: true))
        {
            zlib.Write(sample);
        }

        return trial.Length <= sample.Length / 2;
    }
}
