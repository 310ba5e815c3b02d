using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using BackgroundCallbacks.Diagnostics;
using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Registry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BackgroundCallbacks.Invocation;

/// <summary>
/// Answers a retried invocation that carries the same <c>Idempotency-Key</c> with the first answer, for every door. The
/// key is reserved in the backend's <see cref="IIdempotencyStore"/> (shared by every process) before anything else
/// happens, for at most <see cref="Hold"/>; the answer replaces the reservation; a refused or failed first invocation
/// gives the key up, so its retry is answered afresh. Keys are per owner and callback.
/// </summary>
internal sealed class IdempotentInvocations(CallbackManagers managers, IOptions<BackgroundCallbacksOptions> options, ILogger<IdempotentInvocations> logger)
{
    public const int MaxKeyLength = 255;

    /// <summary>
    /// How long a key stays reserved while its first invocation is answered: longer than any admission, and a process
    /// that dies meanwhile leaves its retries refused (409) for no longer than this.
    /// </summary>
    internal static readonly TimeSpan Hold = TimeSpan.FromMinutes(1);

    private readonly TimeSpan _lifetime = options.Value.IdempotencyKeyLifetime;

    /// <summary>1 to 255 visible ASCII characters.</summary>
    public static bool IsValidKey(string? key) =>
        key is { Length: > 0 and <= MaxKeyLength } && key.AsSpan().IndexOfAnyExceptInRange('!', '~') < 0;

    /// <param name="callback">The callback.</param>
    /// <param name="request">The invocation, with its <see cref="InvocationRequest.IdempotencyKey"/>.</param>
    /// <param name="caller">Who invokes: the key is theirs alone.</param>
    /// <param name="invoke">Answers the invocation the first time.</param>
    /// <param name="cancellationToken">Fires when the caller goes away.</param>
    /// <exception cref="IdempotencyConflictException">The key holds another invocation, or its first is still being answered.</exception>
    public async Task<InvocationResult> InvokeAsync(
        CallbackDefinition callback,
        InvocationRequest request,
        Caller caller,
        Func<CancellationToken, Task<InvocationResult>> invoke,
        CancellationToken cancellationToken)
    {
        var backend = managers.Get(callback.Manager).Backend;
        var store = backend.Idempotency;
        var key = StoreKey(caller.Owner.Id, callback.Id, request.IdempotencyKey!);
        var fingerprint = Fingerprint(callback, request, caller.Page);
        var held = await store.ReserveAsync(key, IdempotencyRecord.Reserved(fingerprint).ToJson(), Hold < _lifetime ? Hold : _lifetime, cancellationToken).ConfigureAwait(false);
        if (held is not null)
        {
            var record = IdempotencyRecord.Parse(held);
            if (!string.Equals(record.Fingerprint, fingerprint, StringComparison.Ordinal) || record.Pending)
            {
                var reused = !string.Equals(record.Fingerprint, fingerprint, StringComparison.Ordinal);
                Log.IdempotencyConflict(logger, callback.Id, reused);
                throw new IdempotencyConflictException(reused);
            }

            Log.IdempotentReplay(logger, callback.Id);
            return await ReplayAsync(backend, record, cancellationToken).ConfigureAwait(false);
        }

        InvocationResult result;
        try
        {
            result = await invoke(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // Nothing is remembered of a refusal (a 4xx, a limit, an unreachable backend): the retry is a new attempt.
            await store.RemoveAsync(key, CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        if (result.Inline is null && result.CachedOutputs is null && result.Handle is null)
        {
            // An answer that is none of the three (a refusal told by result rather than by exception) is not remembered either.
            await store.RemoveAsync(key, CancellationToken.None).ConfigureAwait(false);
            return result;
        }

        await store.SetAsync(key, IdempotencyRecord.Answered(fingerprint, result).ToJson(), _lifetime, CancellationToken.None).ConfigureAwait(false);
        return result;
    }

    /// <summary>The first answer again; a job's with its status as it is now (as at admission once the job has gone).</summary>
    private static async Task<InvocationResult> ReplayAsync(CallbackBackend backend, IdempotencyRecord record, CancellationToken cancellationToken)
    {
        if (record.Inline)
        {
            return new InvocationResult(null, null, Status: record.Status)
            {
                Inline = new JobOutcome(record.Status, record.OutputsJson, record.Error) { Cacheable = false },
                SideUpdates = record.SideUpdates ?? [],
                Replayed = true,
            };
        }

        if (record.CachedOutputsJson is { } outputs)
        {
            return InvocationResult.Hit(Encoding.UTF8.GetBytes(outputs)) with { Replayed = true };
        }

        var status = record.Status;
        if (JobHandles.TryParse(record.Handle, out var followerId, out var jobId, out _)
            && await backend.Jobs.ReadAsync(jobId, followerId, long.MaxValue, cancellationToken).ConfigureAwait(false) is { } view)
        {
            status = view.Status;
        }

        return new InvocationResult(null, record.Handle, record.Joined, status) { Replayed = true };
    }

    /// <summary>Where a key is kept: a digest of the owner, the callback and the key, so two owners' keys never meet.</summary>
    private static string StoreKey(string owner, string callbackId, string key) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(owner + "\n" + callbackId + "\n" + key)));

    /// <summary>
    /// The invocation's content as this service received it, canonical (object properties sorted, numbers in one form),
    /// so a retry that re-serializes the same body differently still matches: the callback, every argument, the triggered
    /// inputs, the MATCH values, the ALL ids, the declared request values (the page's url among them when the handler
    /// takes it) and the page.
    /// </summary>
    internal static string Fingerprint(CallbackDefinition callback, InvocationRequest request, string? page)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("callback", callback.Id);
            writer.WriteStartArray("args");
            foreach (var argument in request.Arguments)
            {
                CacheKey.WriteCanonical(writer, argument);
            }

            writer.WriteEndArray();
            writer.WriteStartArray("triggered");
            foreach (var input in request.Triggered)
            {
                writer.WriteStringValue(input);
            }

            writer.WriteEndArray();
            if (request.Matches is { } matches)
            {
                writer.WriteStartObject("match");
                foreach (var (name, value) in matches.OrderBy(m => m.Key, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(name);
                    CacheKey.WriteCanonical(writer, value);
                }

                writer.WriteEndObject();
            }

            if (request.Ids is { } ids)
            {
                writer.WriteStartArray("ids");
                foreach (var id in ids)
                {
                    if (id.ValueKind == JsonValueKind.Undefined)
                    {
                        writer.WriteNullValue();
                    }
                    else
                    {
                        CacheKey.WriteCanonical(writer, id);
                    }
                }

                writer.WriteEndArray();
            }

            if (request.RequestValues is { } values)
            {
                writer.WritePropertyName("request");
                JsonSerializer.Serialize(writer, values);
            }

            writer.WriteString("page", page);
            writer.WriteEndObject();
        }

        return Convert.ToHexStringLower(SHA256.HashData(buffer.WrittenSpan));
    }
}
