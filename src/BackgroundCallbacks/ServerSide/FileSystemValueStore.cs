using System.Text;
using BackgroundCallbacks.Owners;

namespace BackgroundCallbacks.ServerSide;

/// <summary>
/// Values as files in a directory, which several processes on one machine may share. Each id has up to three files:
/// <c>{id}.value</c>, the encoded bytes alone (so its length is the value's); <c>{id}.owner</c>, a sidecar holding the
/// owner ('-' when shared, '+' and the owner's UTF-8 otherwise); and <c>{id}.gone</c>, the owner sidecar renamed into a
/// tombstone when cleanup removed the value, kept for <see cref="MemoryValueStore.ExpiredNotice"/>. A value is written
/// to <c>{id}.{random}.tmp</c>, its sidecar is put in place, and only then is it renamed to <c>{id}.value</c>: it is
/// visible once whole. The last write time of <c>{id}.value</c> is its "last used" time, set from the
/// <see cref="TimeProvider"/> on every write and read, so the sliding expiry and the least recently used order follow
/// the store's clock rather than the machine's. Cleanup runs on its own timer, never during writes: it removes expired
/// values, then the least recently used ones down to nine tenths of the size cap, and forgets old tombstones.
/// </summary>
internal sealed class FileSystemValueStore : IValueStore, IDisposable
{
    private const string ValueExtension = ".value";
    private const string OwnerExtension = ".owner";
    private const string GoneExtension = ".gone";
    private const string TempExtension = ".tmp";
    private const char SharedMark = '-';
    private const char OwnedMark = '+';
    private const int BufferSize = 64 * 1024;

    private readonly string _name;
    private readonly string _directory;
    private readonly long _limit;
    private readonly TimeSpan _expiry;
    private readonly TimeProvider _time;
    private readonly ITimer _cleaner;
    private int _cleaning;

    public FileSystemValueStore(string name, FileSystemValueStoreOptions options, TimeProvider time)
    {
        _name = name;
        _directory = Path.GetFullPath(options.Directory);
        _limit = options.SizeLimit;
        _expiry = options.Expiry;
        _time = time;
        Directory.CreateDirectory(_directory);
        _cleaner = time.CreateTimer(static state => ((FileSystemValueStore)state!).Cleanup(), this, options.CleanupInterval, options.CleanupInterval);
    }

    public async Task WriteAsync(string id, string? owner, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        var valuePath = PathOf(id);
        var ownerPath = Sibling(id, OwnerExtension);
        var unique = Guid.NewGuid().ToString("N");
        var tempValue = Path.Combine(_directory, $"{id}.{unique}v{TempExtension}");
        var tempOwner = Path.Combine(_directory, $"{id}.{unique}o{TempExtension}");
        var committed = false;
        try
        {
            var file = new FileStream(tempValue, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize, FileOptions.Asynchronous);
            await using (file.ConfigureAwait(false))
            {
                var limited = new LimitedWriteStream(file, _limit, size => new ValueTooLargeException(
                    $"The value is more than {size} bytes; the store '{_name}' holds at most {_limit}."));
                await write(limited, cancellationToken).ConfigureAwait(false);
                await file.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            cancellationToken.ThrowIfCancellationRequested();
            await File.WriteAllTextAsync(tempOwner, EncodeOwner(owner), cancellationToken).ConfigureAwait(false);
            var now = _time.GetUtcNow().UtcDateTime;
            File.SetLastWriteTimeUtc(tempOwner, now);
            File.SetLastWriteTimeUtc(tempValue, now);

            // The sidecar goes first: a value file without its owner would read as missing until the sidecar arrived,
            // while a sidecar without its value reads as missing too, which is right for a value not yet committed.
            File.Move(tempOwner, ownerPath, overwrite: true);
            File.Move(tempValue, valuePath, overwrite: true);
            committed = true;

            // An id written again after its value went is no longer "expired".
            TryDelete(Sibling(id, GoneExtension));
        }
        finally
        {
            TryDelete(tempValue);
            TryDelete(tempOwner);
            if (!committed && !File.Exists(valuePath))
            {
                TryDelete(ownerPath);
            }
        }
    }

    public async Task<ValueLookup> LookupAsync(string id, CancellationToken cancellationToken)
    {
        var value = new FileInfo(PathOf(id));
        if (value.Exists)
        {
            if (await ReadOwnerAsync(Sibling(id, OwnerExtension), cancellationToken).ConfigureAwait(false) is { } owner)
            {
                return new ValueLookup(Touch(value) ? ValueState.Present : ValueState.Expired, owner.Owner);
            }
        }

        return await ForgottenAsync(id, cancellationToken).ConfigureAwait(false);
    }

    public Task<Stream?> OpenReadAsync(string id, CancellationToken cancellationToken)
    {
        var value = new FileInfo(PathOf(id));
        if (!value.Exists || !Touch(value))
        {
            return Task.FromResult<Stream?>(null);
        }

        try
        {
            // Cleanup (here or in another process) may delete the file while it is read: Delete sharing lets it on
            // Windows, and on Linux the open handle keeps the bytes until the reader is done.
            return Task.FromResult<Stream?>(new FileStream(value.FullName, FileMode.Open, FileAccess.Read,
                FileShare.ReadWrite | FileShare.Delete, BufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult<Stream?>(null);
        }
    }

    public void Dispose() => _cleaner.Dispose();

    /// <summary>The path of the id's value file; refuses anything but a well-formed id, so no path can leave the directory.</summary>
    internal string PathOf(string id) => Sibling(id, ValueExtension);

    /// <summary>
    /// Removes expired values, then the least recently used down to nine tenths of the cap, and forgets old tombstones and
    /// leftovers of crashed writers. Tolerates files vanishing under it, as other processes clean the same directory.
    /// </summary>
    internal void Cleanup()
    {
        // A slow disk must not stack runs of the timer on top of each other.
        if (Interlocked.Exchange(ref _cleaning, 1) == 1)
        {
            return;
        }

        try
        {
            CleanupOnce();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Runs on the timer, where a throw would end the process: an unreadable (or removed) directory, or anything
            // else, waits for the next run.
        }
        finally
        {
            Volatile.Write(ref _cleaning, 0);
        }
    }

    private void CleanupOnce()
    {
        var now = _time.GetUtcNow().UtcDateTime;
        var live = new List<FileInfo>();
        foreach (var file in new DirectoryInfo(_directory).EnumerateFiles())
        {
            var dot = file.Name.IndexOf('.', StringComparison.Ordinal);
            if (dot < 0 || !RandomIds.IsWellFormed(file.Name[..dot]))
            {
                continue;
            }

            var id = file.Name[..dot];
            try
            {
                var age = now - file.LastWriteTimeUtc;
                switch (file.Name[dot..])
                {
                    case ValueExtension when age >= _expiry:
                        Retire(id, now);
                        break;
                    case ValueExtension:
                        live.Add(file);
                        break;
                    case GoneExtension when age >= MemoryValueStore.ExpiredNotice:
                        file.Delete();
                        break;

                    // A sidecar left alone, or a temporary file, is what a writer that crashed leaves; none takes a day.
                    case OwnerExtension when age >= MemoryValueStore.ExpiredNotice && !File.Exists(PathOf(id)):
                        file.Delete();
                        break;
                    case var rest when rest.EndsWith(TempExtension, StringComparison.Ordinal)
                        && age >= MemoryValueStore.ExpiredNotice:
                        file.Delete();
                        break;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Another process got there first, or the file is busy; the next run sees it again.
            }
        }

        var size = live.Sum(file => file.Length);
        if (size <= _limit)
        {
            return;
        }

        var target = _limit / 10 * 9;
        foreach (var file in live.OrderBy(file => file.LastWriteTimeUtc))
        {
            if (size <= target)
            {
                break;
            }

            try
            {
                Retire(file.Name[..^ValueExtension.Length], now);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Counted as gone all the same: if it is still there, the next run takes it.
            }

            size -= file.Length;
        }
    }

    /// <summary>The sidecar becomes the tombstone first, so that no reader sees the id as missing in between.</summary>
    private void Retire(string id, DateTime now)
    {
        var gone = Sibling(id, GoneExtension);
        try
        {
            File.Move(Sibling(id, OwnerExtension), gone, overwrite: true);
            File.SetLastWriteTimeUtc(gone, now);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            // No sidecar (another process retired it): the value goes all the same.
        }

        File.Delete(PathOf(id));
    }

    /// <summary>Whether the value is still fresh; if so its last use becomes now.</summary>
    private bool Touch(FileInfo value)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        if (now - value.LastWriteTimeUtc >= _expiry)
        {
            return false;
        }

        try
        {
            File.SetLastWriteTimeUtc(value.FullName, now);
            return true;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
    }

    private async Task<ValueLookup> ForgottenAsync(string id, CancellationToken cancellationToken)
    {
        var gone = new FileInfo(Sibling(id, GoneExtension));
        if (!gone.Exists || _time.GetUtcNow().UtcDateTime - gone.LastWriteTimeUtc >= MemoryValueStore.ExpiredNotice)
        {
            return ValueLookup.Missing;
        }

        return await ReadOwnerAsync(gone.FullName, cancellationToken).ConfigureAwait(false) is { } owner
            ? new ValueLookup(ValueState.Expired, owner.Owner)
            : ValueLookup.Missing;
    }

    /// <summary>The owner a sidecar holds, or null when the sidecar is not there (or not one).</summary>
    private static async Task<OwnerRecord?> ReadOwnerAsync(string path, CancellationToken cancellationToken)
    {
        string text;
        try
        {
            text = await File.ReadAllTextAsync(path, Encoding.UTF8, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        return text switch
        {
            [SharedMark] => new OwnerRecord(null),
            [OwnedMark, ..] => new OwnerRecord(text[1..]),
            _ => null,
        };
    }

    private static string EncodeOwner(string? owner) => owner is null ? SharedMark.ToString() : OwnedMark + owner;

    private string Sibling(string id, string extension)
    {
        if (!RandomIds.IsWellFormed(id))
        {
            throw new ArgumentException($"'{id}' is not a value id.", nameof(id));
        }

        return Path.Combine(_directory, id + extension);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for cleanup, which removes what a crashed writer leaves.
        }
    }

    private readonly record struct OwnerRecord(string? Owner);

    /// <summary>Passes writes to the file until they would pass the limit, then refuses before writing a byte more.</summary>
    private sealed class LimitedWriteStream(Stream inner, long limit, Func<long, Exception> tooLarge) : WriteOnlyStream
    {
        private long _length;

        public override long Length => _length;

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            Count(buffer.Length);
            inner.Write(buffer);
        }

        public override void WriteByte(byte value)
        {
            Count(1);
            inner.WriteByte(value);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Count(buffer.Length);
            return inner.WriteAsync(buffer, cancellationToken);
        }

        public override void Flush() => inner.Flush();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        private void Count(int count)
        {
            if (_length + count > limit)
            {
                throw tooLarge(_length + count);
            }

            _length += count;
        }
    }
}
