using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using BackgroundCallbacks.Owners;

namespace BackgroundCallbacks.ServerSide;

/// <summary>
/// Server-side values, for every caller: writes a handler's output to its store and hands back a reference, checks a
/// reference a client sent (exists, and the caller may read it) without reading the value, and reads a value back as
/// the type a handler's parameter declares. The value's bytes stream between serializer and store in both directions.
/// </summary>
internal sealed class ServerSideValues(ValueStores stores, IServerSideSerializer serializer)
{
    /// <summary>Stores a value and returns its reference.</summary>
    /// <param name="store">The store's name.</param>
    /// <param name="value">The value.</param>
    /// <param name="owner">Who may read it; null when every caller may (a callback whose results are shared).</param>
    /// <param name="cancellationToken">Fires when the run is cancelled.</param>
    public async Task<string> WriteAsync(string store, object? value, string? owner, CancellationToken cancellationToken)
    {
        var id = RandomIds.New();
        var raw = RawArrays.FormatOf(value);
        await stores.Get(store).WriteAsync(id, owner, async (stream, token) =>
        {
            var encoder = new ValueEncoder(stream, raw ?? serializer.Format);
            await using (encoder.ConfigureAwait(false))
            {
                if (raw is not null)
                {
                    await RawArrays.WriteAsync(encoder, (Array)value!, token).ConfigureAwait(false);
                }
                else
                {
                    await serializer.SerializeAsync(encoder, value, value?.GetType() ?? typeof(object), token).ConfigureAwait(false);
                }

                await encoder.CompleteAsync(token).ConfigureAwait(false);
            }
        }, cancellationToken).ConfigureAwait(false);
        return ServerSideReference.Format(store, id);
    }

    /// <summary>What <paramref name="caller"/> may be told of a reference; restarts the value's expiry.</summary>
    public async Task<ReferenceState> CheckAsync(string reference, string caller, CancellationToken cancellationToken)
    {
        if (!ServerSideReference.TryParse(reference, out var store, out var id))
        {
            return ReferenceState.Malformed;
        }

        if (!stores.Contains(store))
        {
            return ReferenceState.NotFound;
        }

        var found = await stores.Get(store).LookupAsync(id, cancellationToken).ConfigureAwait(false);
        var mayRead = found.Owner is null || string.Equals(found.Owner, caller, StringComparison.Ordinal);
        return (found.State, mayRead) switch
        {
            (ValueState.Present, true) => ReferenceState.Readable,
            (ValueState.Expired, true) => ReferenceState.Expired,
            _ => ReferenceState.NotFound,
        };
    }

    /// <summary>
    /// Opens a value's bytes for <paramref name="caller"/>, whatever its format: the format's name and a stream of the
    /// bytes as the serializer (or the raw-array writer) wrote them, decompressed as they are read. A caller who may
    /// not read the value gets its state alone, as <see cref="CheckAsync"/> tells it. Restarts the value's expiry.
    /// </summary>
    public async Task<(ReferenceState State, string Format, Stream? Payload)> OpenPayloadAsync(string reference, string caller, CancellationToken cancellationToken)
    {
        var state = await CheckAsync(reference, caller, cancellationToken).ConfigureAwait(false);
        if (state != ReferenceState.Readable || !ServerSideReference.TryParse(reference, out var store, out var id))
        {
            return (state, string.Empty, null);
        }

        var stored = await stores.Get(store).OpenReadAsync(id, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            // Gone between the check and the open: the caller may read it, so it may be told the value expired.
            return (ReferenceState.Expired, string.Empty, null);
        }

        try
        {
            var (format, payload) = await ValueDecoder.OpenAsync(stored, cancellationToken).ConfigureAwait(false);
            return (ReferenceState.Readable, format, payload);
        }
        catch
        {
            await stored.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Whether every reference still has its value (a cached result that holds one that does not is a miss).</summary>
    public async Task<bool> AllPresentAsync(IEnumerable<string> references, CancellationToken cancellationToken)
    {
        foreach (var reference in references)
        {
            if (!ServerSideReference.TryParse(reference, out var store, out var id) || !stores.Contains(store)
                || (await stores.Get(store).LookupAsync(id, cancellationToken).ConfigureAwait(false)).State != ValueState.Present)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Reads a value as <paramref name="type"/>, the handler parameter's declared type.</summary>
    /// <exception cref="ServerSideValueException">The value is gone, or was written in another format.</exception>
    public async Task<object?> ReadAsync(string reference, Type type, string description, CancellationToken cancellationToken)
    {
        if (!ServerSideReference.TryParse(reference, out var store, out var id) || !stores.Contains(store))
        {
            throw new ServerSideValueException($"The value of {description} is not a server-side reference of this application.");
        }

        var stored = await stores.Get(store).OpenReadAsync(id, cancellationToken).ConfigureAwait(false)
            ?? throw new ServerSideValueException($"The server-side value of {description} has expired; run the callback that makes it again.");
        await using (stored.ConfigureAwait(false))
        {
            var (format, payload) = await ValueDecoder.OpenAsync(stored, cancellationToken).ConfigureAwait(false);
            await using (payload.ConfigureAwait(false))
            {
                if (RawArrays.IsRaw(format))
                {
                    return await RawArrays.ReadAsync(payload, format, type, description, cancellationToken).ConfigureAwait(false);
                }

                if (!string.Equals(format, serializer.Format, StringComparison.Ordinal))
                {
                    throw new ServerSideValueException($"The server-side value of {description} was written as '{format}'; this application reads '{serializer.Format}'.");
                }

                return await serializer.DeserializeAsync(payload, type, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The format of an upload's bytes: as they came.</summary>
    public const string FileBytesFormat = "bytes";

    /// <summary>The format of an upload's descriptor, the value its reference names.</summary>
    public const string FileFormat = "file";

    /// <summary>
    /// Stores an upload: <paramref name="copy"/> streams the bytes into the store and returns the file's descriptor once
    /// it has seen them all (or throws, and nothing is kept). The same content stored again by the same owner is kept
    /// once: the descriptor already stored is returned, and the new copy is dropped before it is committed.
    /// </summary>
    public async Task<(string Reference, StoredFile File)> WriteFileAsync(
        string store, string? owner, Func<Stream, CancellationToken, Task<StoredFile>> copy, CancellationToken cancellationToken)
    {
        var values = stores.Get(store);
        var content = RandomIds.New();
        (string Reference, StoredFile File)? existing = null;
        StoredFile? file = null;
        try
        {
            await values.WriteAsync(content, owner, async (stream, token) =>
            {
                var encoder = new ValueEncoder(stream, FileBytesFormat);
                await using (encoder.ConfigureAwait(false))
                {
                    file = await copy(encoder, token).ConfigureAwait(false) with { Content = content };
                    existing = await FindFileAsync(store, owner, file.Sha256, token).ConfigureAwait(false);
                    if (existing is not null)
                    {
                        throw new DuplicateUploadException();
                    }

                    await encoder.CompleteAsync(token).ConfigureAwait(false);
                }
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (DuplicateUploadException)
        {
            return existing!.Value;
        }

        // The descriptor is JSON whatever serializer the app registered: it is the library's own record.
        var descriptorId = RandomIds.New();
        await values.WriteAsync(descriptorId, owner, async (stream, token) =>
        {
            var encoder = new ValueEncoder(stream, FileFormat);
            await using (encoder.ConfigureAwait(false))
            {
                await JsonSerializer.SerializeAsync(encoder, file!, cancellationToken: token).ConfigureAwait(false);
                await encoder.CompleteAsync(token).ConfigureAwait(false);
            }
        }, cancellationToken).ConfigureAwait(false);
        await values.WriteAsync(IndexId(owner, file!.Sha256), owner, async (stream, token) =>
            await stream.WriteAsync(Encoding.UTF8.GetBytes(descriptorId), token).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        return (ServerSideReference.Format(store, descriptorId), file!);
    }

    /// <summary>The file this owner already stored with this content, while its descriptor and bytes still exist.</summary>
    public async Task<(string Reference, StoredFile File)?> FindFileAsync(string store, string? owner, string sha256, CancellationToken cancellationToken)
    {
        var values = stores.Get(store);
        var index = await values.OpenReadAsync(IndexId(owner, sha256), cancellationToken).ConfigureAwait(false);
        if (index is null)
        {
            return null;
        }

        string descriptorId;
        await using (index.ConfigureAwait(false))
        {
            using var reader = new StreamReader(index, Encoding.UTF8);
            descriptorId = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        }

        var reference = ServerSideReference.Format(store, descriptorId);
        if (!RandomIds.IsWellFormed(descriptorId) || await CheckAsync(reference, owner ?? string.Empty, cancellationToken).ConfigureAwait(false) != ReferenceState.Readable)
        {
            return null;
        }

        var file = await ReadFileDescriptorAsync(store, descriptorId, cancellationToken).ConfigureAwait(false);
        return file is not null && (await values.LookupAsync(file.Content, cancellationToken).ConfigureAwait(false)).State == ValueState.Present
            ? (reference, file)
            : null;
    }

    /// <summary>Opens an uploaded file for a handler: its descriptor and a stream of its bytes.</summary>
    /// <exception cref="ServerSideValueException">The file is gone.</exception>
    public async Task<(StoredFile File, Stream Content)> OpenFileAsync(string reference, string description, CancellationToken cancellationToken)
    {
        if (!ServerSideReference.TryParse(reference, out var store, out var id) || !stores.Contains(store))
        {
            throw new ServerSideValueException($"The value of {description} is not a reference of this application.");
        }

        var file = await ReadFileDescriptorAsync(store, id, cancellationToken).ConfigureAwait(false)
            ?? throw new ServerSideValueException($"The uploaded file of {description} has expired, or the reference is not a file's; upload it again.");
        var stored = await stores.Get(store).OpenReadAsync(file.Content, cancellationToken).ConfigureAwait(false)
            ?? throw new ServerSideValueException($"The uploaded file of {description} has expired; upload it again.");
        var (format, payload) = await ValueDecoder.OpenAsync(stored, cancellationToken).ConfigureAwait(false);
        if (format != FileBytesFormat)
        {
            await payload.DisposeAsync().ConfigureAwait(false);
            throw new ServerSideValueException($"The value of {description} is not an uploaded file.");
        }

        return (file, payload);
    }

    /// <summary>An upload's descriptor, or null when it is gone or the value is not one.</summary>
    private async Task<StoredFile?> ReadFileDescriptorAsync(string store, string id, CancellationToken cancellationToken)
    {
        var stored = await stores.Get(store).OpenReadAsync(id, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            return null;
        }

        await using (stored.ConfigureAwait(false))
        {
            var (format, payload) = await ValueDecoder.OpenAsync(stored, cancellationToken).ConfigureAwait(false);
            await using (payload.ConfigureAwait(false))
            {
                return format == FileFormat ? await JsonSerializer.DeserializeAsync<StoredFile>(payload, cancellationToken: cancellationToken).ConfigureAwait(false) : null;
            }
        }
    }

    /// <summary>
    /// Where an owner's upload of some content is found again: derived from both, so one owner's index entry is never
    /// another's, and readable only by that owner (the store checks it like any value's).
    /// </summary>
    private static string IndexId(string? owner, string sha256) =>
        Base64UrlId(SHA256.HashData(Encoding.UTF8.GetBytes("upload\n" + owner + "\n" + sha256)));

    private static string Base64UrlId(byte[] digest) => System.Buffers.Text.Base64Url.EncodeToString(digest.AsSpan(0, 16));

    private sealed class DuplicateUploadException : Exception;
}
