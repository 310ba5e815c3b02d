using System.Security.Claims;
using BackgroundCallbacks.Execution;

namespace BackgroundCallbacks;

/// <summary>
/// What a running handler may know about its invocation, and the way to update components other than its outputs.
/// Add a parameter of this type to a handler to receive it.
/// </summary>
public sealed partial class CallbackContext
{
    private readonly IHandlerUpdateSink _updates;

    internal CallbackContext(
        string callbackId,
        string jobId,
        IReadOnlyList<string> triggeredInputs,
        ClaimsPrincipal user,
        IServiceProvider services,
        IHandlerUpdateSink updates,
        CancellationToken cancellationToken)
    {
        CallbackId = callbackId;
        JobId = jobId;
        TriggeredInputs = triggeredInputs;
        User = user;
        Services = services;
        _updates = updates;
        CancellationToken = cancellationToken;
    }

    /// <summary>Gets the id of the callback being run.</summary>
    public string CallbackId { get; }

    /// <summary>
    /// Gets the job's id. Every caller whose invocation joined this job shares it; it is not a handle (each caller holds
    /// a handle of its own) and grants no access to the job.
    /// </summary>
    public string JobId { get; }

    /// <summary>
    /// Gets the inputs whose change triggered this invocation, each as <c>componentId.property</c>; empty for the
    /// initial call of a page.
    /// </summary>
    public IReadOnlyList<string> TriggeredInputs { get; }

    /// <summary>
    /// Gets the user who invoked the callback: the name identifier, name and role claims of the authenticated
    /// user, or an unauthenticated principal. When identical invocations share one job, this is the caller whose
    /// invocation created it.
    /// </summary>
    public ClaimsPrincipal User { get; }

    /// <summary>
    /// Gets the key this invocation's result is cached under (64 hexadecimal characters), or null when the callback's
    /// results are not cached. Keep it to evict the result later with <see cref="ICallbackCache.EvictAsync"/>.
    /// </summary>
    public string? CacheKey { get; internal init; }

    /// <summary>Gets the job's DI scope.</summary>
    public IServiceProvider Services { get; }

    /// <summary>
    /// Gets the token that fires when the job is cancelled: its last caller cancelled or was superseded, or the worker
    /// is shutting down (the job then runs again elsewhere). Observe it: a handler that ignores it keeps its worker busy
    /// until it returns, although its result is thrown away.
    /// </summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>
    /// Sets properties of any component while the job runs (Dash's <c>set_props</c>). Updates of different components
    /// are all delivered; for one component, later properties are merged over earlier ones.
    /// </summary>
    /// <param name="componentId">The component's id.</param>
    /// <param name="props">The properties: an object whose public properties, or a dictionary whose entries, name them.</param>
    public void SetProps(string componentId, object props)
    {
        ArgumentException.ThrowIfNullOrEmpty(componentId);
        ArgumentNullException.ThrowIfNull(props);
        _updates.SetProps(componentId, props);
    }
}
