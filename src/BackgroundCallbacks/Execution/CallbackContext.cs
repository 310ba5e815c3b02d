using System.Security.Claims;
using BackgroundCallbacks.Jobs;

namespace BackgroundCallbacks;

/// <summary>
/// What a running handler may know about its invocation, and the way to update components other than its outputs.
/// Add a parameter of this type to a handler to receive it.
/// </summary>
public sealed class CallbackContext
{
    private readonly JobUpdateWriter _updates;

    internal CallbackContext(
        string callbackId,
        string handle,
        IReadOnlyList<string> triggeredInputs,
        ClaimsPrincipal user,
        IServiceProvider services,
        JobUpdateWriter updates,
        CancellationToken cancellationToken)
    {
        CallbackId = callbackId;
        Handle = handle;
        TriggeredInputs = triggeredInputs;
        User = user;
        Services = services;
        _updates = updates;
        CancellationToken = cancellationToken;
    }

    /// <summary>Gets the id of the callback being run.</summary>
    public string CallbackId { get; }

    /// <summary>Gets the handle of the job, as the client knows it.</summary>
    public string Handle { get; }

    /// <summary>
    /// Gets the inputs whose change triggered this invocation, each as <c>componentId.property</c>; empty for the
    /// initial call of a page.
    /// </summary>
    public IReadOnlyList<string> TriggeredInputs { get; }

    /// <summary>
    /// Gets the user who invoked the callback: the name identifier, name and role claims of the authenticated
    /// user, or an unauthenticated principal.
    /// </summary>
    public ClaimsPrincipal User { get; }

    /// <summary>Gets the job's DI scope.</summary>
    public IServiceProvider Services { get; }

    /// <summary>Gets the token that fires when the job is cancelled or superseded.</summary>
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
        _updates.AddSideUpdate(componentId, props);
    }
}
