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
}
