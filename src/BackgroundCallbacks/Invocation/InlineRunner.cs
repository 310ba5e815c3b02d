using System.Security.Claims;
using System.Text.Json;
using BackgroundCallbacks.Diagnostics;
using BackgroundCallbacks.Execution;
using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Owners;
using BackgroundCallbacks.Registry;
using BackgroundCallbacks.ServerSide;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BackgroundCallbacks.Invocation;

/// <summary>
/// Runs an inline callback in the request, with no job: the same binding, server-side values and error handling as a
/// worker, in the request's DI scope, with the request's abort as its token.
/// </summary>
internal sealed class InlineRunner(
    ServerSideValues serverSide,
    HandlerErrors errors,
    IOptions<BackgroundCallbacksOptions> options,
    ILogger<InlineRunner> logger)
{
    private readonly BackgroundCallbacksOptions _options = options.Value;

    public async Task<(JobOutcome Outcome, IReadOnlyList<KeyValuePair<string, string>> SideUpdates)> RunAsync(
        CallbackDefinition callback, InvocationRequest request, Caller caller, string? cacheKey, IServiceProvider services, HttpResponse? response, CancellationToken cancellationToken)
    {
        var json = _options.SerializerOptions;
        var outputs = ComponentPatterns.Resolve(callback.Outputs, request.Matches);
        var updates = new InlineUpdates(json);
        var user = new ClaimsPrincipal(new ClaimsIdentity(caller.Claims.Select(c => new Claim(c.Key, c.Value)), caller.AuthenticationType));
        var context = new CallbackContext(callback.Id, RandomIds.New(), request.Triggered, user, services, updates, cancellationToken)
        {
            Response = response,
            CacheKey = cacheKey,
            Invocation = ContextComponents.Build(callback, outputs, request.Arguments, request.Ids, request.Matches is null ? null : JsonSerializer.Serialize(request.Matches)),
        };
        var owner = callback.SharedResults ? null : caller.Owner.Id;
        var opened = new List<Stream>();
        try
        {
            var arguments = await HandlerValues.BindAsync(serverSide, callback, request.Arguments, request.Ids, json, opened, cancellationToken).ConfigureAwait(false);
            var returned = await callback.Handler.InvokeAsync(
                services,
                arguments,
                RequestValueBinder.Bind(callback.RequestValues, request.RequestValues is null ? null : JsonSerializer.Serialize(request.RequestValues)),
                type => Activator.CreateInstance(typeof(ProgressReporter<>).MakeGenericType(type), 0, updates)!,
                context,
                cancellationToken).ConfigureAwait(false);
            var outputsJson = await HandlerValues.OutputsAsync(serverSide, outputs, returned, owner, json, cancellationToken).ConfigureAwait(false);
            return (JobOutcome.Succeeded(outputsJson), Close(updates));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (PreventUpdateException)
        {
            return (new JobOutcome(JobStatus.Succeeded, "[]", Error: null) { Cacheable = false }, Close(updates));
        }
        catch (ServerSideValueException e)
        {
            Log.InlineFailed(logger, e, callback.Id);
            return (JobOutcome.Failed(e.Message), Close(updates));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Log.InlineFailed(logger, e, callback.Id);
            return (await errors.OutcomeAsync(callback, outputs, context, e, owner, cancellationToken).ConfigureAwait(false), Close(updates));
        }
        finally
        {
            await HandlerValues.DisposeAllAsync(opened).ConfigureAwait(false);
        }
    }

    private static IReadOnlyList<KeyValuePair<string, string>> Close(InlineUpdates updates)
    {
        updates.Close();
        return updates.SideUpdates;
    }
}
