using System.Security.Claims;
using System.Text.Json;
using BackgroundCallbacks.Diagnostics;
using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Owners;
using BackgroundCallbacks.Registry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BackgroundCallbacks.Invocation;

/// <summary>
/// The web side of an invocation: builds the key, answers from the result cache when it can, and otherwise creates
/// the job, supersedes the owner's previous one and queues it.
/// </summary>
internal sealed class InvocationService(CallbackManagers managers, OwnerResolver owners, ILogger<InvocationService> logger)
{
    public async Task<InvocationResult> InvokeAsync(HttpContext http, CallbackDefinition callback, InvocationRequest request, CancellationToken cancellationToken)
    {
        var manager = managers.Get(callback.Manager);
        var owner = owners.Resolve(http);
        var key = await KeyAsync(http, callback, manager, request, owner, cancellationToken).ConfigureAwait(false);
        var expire = callback.Expire ?? manager.Settings.Expire;
        if (key is not null && await manager.Backend.Results.GetAsync(key, expire, cancellationToken).ConfigureAwait(false) is { } cached)
        {
            Log.CacheHit(logger, callback.Id);
            return InvocationResult.Hit(cached);
        }

        var handle = JobHandles.New(manager.Name);
        var record = new JobRecord(
            handle,
            owner.Id,
            callback.Id,
            key,
            ArgumentsJson(request.Arguments),
            request.Triggered,
            Claims(http.User),
            http.User.Identity?.IsAuthenticated == true ? http.User.Identity.AuthenticationType : null,
            Slot(owner, callback, request),
            request.Matches is null ? null : JsonSerializer.Serialize(request.Matches));
        var jobs = manager.Backend.Jobs;
        await jobs.CreateAsync(record, cancellationToken).ConfigureAwait(false);
        if (await jobs.ReplaceActiveAsync(record.Slot, handle, cancellationToken).ConfigureAwait(false) is { } previous)
        {
            if (await jobs.RequestCancelAsync(previous, CancelReasons.Superseded, cancellationToken).ConfigureAwait(false))
            {
                Log.JobSuperseded(logger, handle, callback.Id, previous);
            }
        }

        manager.JobQueue.Enqueue(handle, manager.Queue);
        Log.JobQueued(logger, handle, callback.Id);
        return InvocationResult.Queued(handle);
    }

    private static async Task<string?> KeyAsync(HttpContext http, CallbackDefinition callback, CallbackManager manager, InvocationRequest request, Owner owner, CancellationToken cancellationToken)
    {
        var providers = callback.CacheBy ?? manager.CacheBy;
        if (providers is null)
        {
            return null;
        }

        var values = new KeyValuePair<string, string?>[providers.Count];
        for (var i = 0; i < values.Length; i++)
        {
            var provider = http.RequestServices.GetRequiredKeyedService<ICacheByProvider>(providers[i]);
            values[i] = new(providers[i], await provider.GetValueAsync(http, cancellationToken).ConfigureAwait(false));
        }

        return CacheKey.Build(callback, request, values, callback.SharedResults ? null : owner.Id);
    }

    /// <summary>The owner's running job for these outputs: a new invocation replaces it, as Dash's <c>oldJob</c> does.</summary>
    private static string Slot(Owner owner, CallbackDefinition callback, InvocationRequest request) =>
        owner.Id + "\n" + callback.Id + "\n" + string.Join("\n", ComponentPatterns.Resolve(callback.Outputs, request.Matches).Select(o => o.Key));

    private static string ArgumentsJson(IReadOnlyList<JsonElement> arguments)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartArray();
            foreach (var argument in arguments)
            {
                argument.WriteTo(writer);
            }

            writer.WriteEndArray();
        }

        return System.Text.Encoding.UTF8.GetString(stream.GetBuffer(), 0, (int)stream.Length);
    }

    private static KeyValuePair<string, string>[] Claims(ClaimsPrincipal user)
    {
        if (user.Identity?.IsAuthenticated != true)
        {
            return [];
        }

        return user.Claims
            .Where(c => c.Type is ClaimTypes.NameIdentifier or ClaimTypes.Name or ClaimTypes.Role or ClaimTypes.Email)
            .Select(c => new KeyValuePair<string, string>(c.Type, c.Value))
            .ToArray();
    }
}
