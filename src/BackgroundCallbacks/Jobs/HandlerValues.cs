using System.Text.Json;
using BackgroundCallbacks.Execution;
using BackgroundCallbacks.Protocol;
using BackgroundCallbacks.Registry;
using BackgroundCallbacks.ServerSide;
using Microsoft.AspNetCore.Http;

namespace BackgroundCallbacks.Jobs;

/// <summary>
/// The values in and out of a handler, for a worker and for an inline call alike: arguments bound to the handler's
/// parameter types with server-side references read from their stores, and returned values written as outputs with
/// server-side outputs stored and replaced by their references.
/// </summary>
internal static class HandlerValues
{
    /// <summary>
    /// Binds the arguments, reading server-side values as their parameters' types and opening uploaded files;
    /// <paramref name="opened"/> gets the files' streams, which the caller disposes once the handler has returned.
    /// </summary>
    public static async Task<object?[]> BindAsync(
        ServerSideValues serverSide,
        CallbackDefinition callback,
        IReadOnlyList<JsonElement> values,
        IReadOnlyList<JsonElement>? ids,
        JsonSerializerOptions json,
        ICollection<Stream> opened,
        CancellationToken cancellationToken)
    {
        Dictionary<(string, Type), object?>? resolved = null;
        if (callback.HasReferences)
        {
            resolved = [];
            foreach (var (reference, type, description) in ArgumentBinder.References(callback.ArgumentTargets, values))
            {
                if (resolved.ContainsKey((reference, type)))
                {
                    continue;
                }

                if (type == typeof(IFormFile) || type == typeof(Stream))
                {
                    // Opened here, before the handler runs: IFormFile.OpenReadStream is synchronous, the stores are not.
                    var (file, content) = await serverSide.OpenFileAsync(reference, description, cancellationToken).ConfigureAwait(false);
                    opened.Add(content);
                    resolved[(reference, type)] = type == typeof(Stream) ? content : new StoredFormFile(file, description, content);
                }
                else
                {
                    resolved[(reference, type)] = await serverSide.ReadAsync(reference, type, description, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        return ArgumentBinder.Bind(callback.ArgumentTargets, values, json, ids, resolved);
    }

    public static async Task DisposeAllAsync(IEnumerable<Stream> streams)
    {
        foreach (var stream in streams)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <param name="serverSide">The server-side values.</param>
    /// <param name="outputs">The outputs, MATCH wildcards resolved.</param>
    /// <param name="returned">What the handler returned.</param>
    /// <param name="owner">Who may read the server-side values; null when the callback's results are shared.</param>
    /// <param name="json">The app's serializer options.</param>
    /// <param name="cancellationToken">Fires when the run is cancelled.</param>
    public static async Task<string> OutputsAsync(
        ServerSideValues serverSide,
        IReadOnlyList<DependencySpec> outputs,
        object? returned,
        string? owner,
        JsonSerializerOptions json,
        CancellationToken cancellationToken)
    {
        var values = ReturnedValues.Split(returned, outputs.Count, "callback's output list");
        if (values is null)
        {
            return "[]";
        }

        // The handler may have returned its own array: it is not ours to change.
        values = (object?[])values.Clone();
        for (var i = 0; i < outputs.Count; i++)
        {
            // A null stays null: there is nothing to keep, and a reader gets null either way.
            if (outputs[i].Store is { } store && values[i] is not (null or NoUpdate))
            {
                values[i] = await serverSide.WriteAsync(store, values[i], owner, cancellationToken).ConfigureAwait(false);
            }
        }

        return ComponentValues.Write(outputs, values, json);
    }
}
