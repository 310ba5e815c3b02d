namespace BackgroundCallbacks;

/// <summary>
/// Turns server-side values into bytes and back. The default writes JSON with the options in
/// <see cref="BackgroundCallbacksOptions.SerializerOptions"/>; register a binary one with
/// <c>UseServerSideSerializer</c> when values are large and JSON is slow for them.
/// </summary>
/// <remarks>
/// The type to read is always the handler parameter's declared type, never one named by the stored bytes or by a
/// client. Both methods stream: the library compresses and stores the bytes as they are written.
/// </remarks>
public interface IServerSideSerializer
{
    /// <summary>Gets a name for the format; it is stored with each value, so a value written in another format is refused clearly.</summary>
    string Format { get; }

    /// <summary>Writes a value.</summary>
    /// <param name="destination">Where to write the bytes.</param>
    /// <param name="value">The value the handler returned.</param>
    /// <param name="type">The value's runtime type (<see cref="object"/> for null).</param>
    /// <param name="cancellationToken">Fires when the job or request is cancelled.</param>
    /// <returns>A task that completes when the value is written.</returns>
    ValueTask SerializeAsync(Stream destination, object? value, Type type, CancellationToken cancellationToken);

    /// <summary>Reads a value as the type a handler's parameter declares.</summary>
    /// <param name="source">The bytes <see cref="SerializeAsync"/> wrote.</param>
    /// <param name="type">The parameter's type.</param>
    /// <param name="cancellationToken">Fires when the job or request is cancelled.</param>
    /// <returns>The value.</returns>
    ValueTask<object?> DeserializeAsync(Stream source, Type type, CancellationToken cancellationToken);
}
