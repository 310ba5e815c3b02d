using BackgroundCallbacks.Diagnostics;
using BackgroundCallbacks.Registry;
using BackgroundCallbacks.ServerSide;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BackgroundCallbacks.Jobs;

/// <summary>
/// What a handler's exception becomes, for a worker and for an inline call alike: the outputs of its error handler
/// (never cached), else a failure whose message is the exception's in Development and a generic one otherwise.
/// </summary>
internal sealed class HandlerErrors(
    ServerSideValues serverSide,
    IOptions<BackgroundCallbacksOptions> options,
    IHostEnvironment environment,
    ILogger<HandlerErrors> logger)
{
    private const string GenericError = "The callback failed. The server log has the details.";

    private readonly BackgroundCallbacksOptions _options = options.Value;
    private readonly bool _includeDetails = options.Value.IncludeExceptionDetails ?? environment.IsDevelopment();

    /// <param name="callback">The callback whose handler threw.</param>
    /// <param name="outputs">Its outputs, MATCH wildcards resolved.</param>
    /// <param name="context">The handler's context, which the error handler gets too.</param>
    /// <param name="exception">What the handler threw.</param>
    /// <param name="owner">Who may read server-side outputs the error handler makes; null when results are shared.</param>
    /// <param name="cancellationToken">Fires when the run is cancelled.</param>
    public async Task<JobOutcome> OutcomeAsync(
        CallbackDefinition callback, IReadOnlyList<DependencySpec> outputs, CallbackContext context, Exception exception, string? owner, CancellationToken cancellationToken)
    {
        var onError = callback.OnError ?? _options.OnError;
        if (onError is not null)
        {
            try
            {
                var outputsJson = await HandlerValues.OutputsAsync(serverSide, outputs, onError(exception, context), owner, _options.SerializerOptions, cancellationToken).ConfigureAwait(false);
                return JobOutcome.Succeeded(outputsJson) with { Cacheable = false };
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Log.OnErrorFailed(logger, e, callback.Id);
                exception = e;
            }
        }

        return JobOutcome.Failed(_includeDetails ? exception.Message : GenericError);
    }
}
