using System.Text.Json;
using BackgroundCallbacks.Declarations;

namespace BackgroundCallbacks;

/// <summary>
/// Declares the dependencies and settings of a callback registered in code with
/// <see cref="BackgroundCallbacksBuilder.MapBackgroundCallback(string, Delegate)"/>. Each method mirrors an attribute.
/// </summary>
public sealed class BackgroundCallbackBuilder
{
    private readonly CallbackDeclaration _declaration;

    internal BackgroundCallbackBuilder(CallbackDeclaration declaration) => _declaration = declaration;

    /// <summary>Adds an output, as <see cref="OutputAttribute"/> does.</summary>
    /// <param name="componentId">The component's id.</param>
    /// <param name="property">The property written.</param>
    /// <returns>This builder.</returns>
    public BackgroundCallbackBuilder Output(string componentId, string property) => Add(new OutputAttribute(componentId, property));

    /// <summary>Adds an output that another callback may write too (see <see cref="OutputAttribute.AllowDuplicate"/>).</summary>
    /// <param name="componentId">The component's id.</param>
    /// <param name="property">The property written.</param>
    /// <param name="allowDuplicate">Whether another callback may declare the same output; every one of them must say so.</param>
    /// <returns>This builder.</returns>
    public BackgroundCallbackBuilder Output(string componentId, string property, bool allowDuplicate) =>
        Add(new OutputAttribute(componentId, property) { AllowDuplicate = allowDuplicate });

    /// <summary>
    /// Declares the next output as server-side: its value stays in a store on the server and the client receives a
    /// reference (see <see cref="OutputAttribute.ServerSide"/>).
    /// </summary>
    /// <param name="componentId">The component's id.</param>
    /// <param name="property">The property the reference is written to.</param>
    /// <param name="store">The store's name; the default store when null.</param>
    /// <returns>This builder.</returns>
    public BackgroundCallbackBuilder ServerSideOutput(string componentId, string property, string? store = null) =>
        Add(new OutputAttribute(componentId, property) { ServerSide = true, Store = store });

    /// <summary>Adds an input, as <see cref="InputAttribute"/> does.</summary>
    /// <param name="componentId">The component's id.</param>
    /// <param name="property">The property whose changes trigger the callback.</param>
    /// <param name="name">The handler parameter it binds to; by position when null.</param>
    /// <param name="optional">Whether the page may lack the component; the client then sends null (see <see cref="InputAttribute.Optional"/>).</param>
    /// <returns>This builder.</returns>
    public BackgroundCallbackBuilder Input(string componentId, string property, string? name = null, bool optional = false) =>
        Add(new InputAttribute(componentId, property) { Name = name, Optional = optional });

    /// <summary>
    /// Adds a trigger, as <see cref="TriggerAttribute"/> does: it invokes the callback like an input, but is passed to no
    /// handler parameter and is left out of the cache key.
    /// </summary>
    /// <param name="componentId">The component's id.</param>
    /// <param name="property">The property whose changes invoke the callback.</param>
    /// <returns>This builder.</returns>
    public BackgroundCallbackBuilder Trigger(string componentId, string property) => Add(new TriggerAttribute(componentId, property));

    /// <summary>Adds a state value, as <see cref="StateAttribute"/> does.</summary>
    /// <param name="componentId">The component's id.</param>
    /// <param name="property">The property whose value is passed.</param>
    /// <param name="name">The handler parameter it binds to; by position when null.</param>
    /// <param name="optional">Whether the page may lack the component; the client then sends null (see <see cref="StateAttribute.Optional"/>).</param>
    /// <returns>This builder.</returns>
    public BackgroundCallbackBuilder State(string componentId, string property, string? name = null, bool optional = false) =>
        Add(new StateAttribute(componentId, property) { Name = name, Optional = optional });

    /// <summary>Adds a property set while the job runs, as <see cref="RunningAttribute"/> does; the values may be any serializable objects.</summary>
    /// <param name="componentId">The component's id.</param>
    /// <param name="property">The property to set.</param>
    /// <param name="whileRunning">The value while the job runs.</param>
    /// <param name="whenDone">The value once it has ended.</param>
    /// <returns>This builder.</returns>
    public BackgroundCallbackBuilder Running(string componentId, string property, object? whileRunning, object? whenDone) =>
        Add(new RunningAttribute(componentId, property, whileRunning, whenDone));

    /// <summary>
    /// Adds a property set while the job runs and given back the value it had when the job started, as the one-value
    /// <see cref="RunningAttribute(string, string, object?)"/> does.
    /// </summary>
    /// <param name="componentId">The component's id.</param>
    /// <param name="property">The property to set.</param>
    /// <param name="whileRunning">The value while the job runs; any serializable object.</param>
    /// <returns>This builder.</returns>
    public BackgroundCallbackBuilder Running(string componentId, string property, object? whileRunning) =>
        Add(new RunningAttribute(componentId, property, whileRunning));

    /// <summary>Adds a progress output, as <see cref="ProgressAttribute"/> does.</summary>
    /// <param name="componentId">The component's id.</param>
    /// <param name="property">The property progress is written to.</param>
    /// <param name="defaultValue">The value when no job runs; any serializable object.</param>
    /// <returns>This builder.</returns>
    public BackgroundCallbackBuilder Progress(string componentId, string property, object? defaultValue = null) =>
        Add(new ProgressAttribute(componentId, property)
        {
            DefaultJson = defaultValue is null ? null : JsonSerializer.Serialize(defaultValue, defaultValue.GetType(), JsonSerializerOptions.Web),
        });

    /// <summary>Adds a cancel input, as <see cref="CancelAttribute"/> does.</summary>
    /// <param name="componentId">The component's id.</param>
    /// <param name="property">The property whose change cancels the job.</param>
    /// <returns>This builder.</returns>
    public BackgroundCallbackBuilder Cancel(string componentId, string property) => Add(new CancelAttribute(componentId, property));

    /// <summary>Sets the callback's settings, the properties of <see cref="BackgroundCallbackAttribute"/>.</summary>
    /// <param name="configure">Sets interval, caching, manager and the rest.</param>
    /// <returns>This builder.</returns>
    public BackgroundCallbackBuilder Configure(Action<BackgroundCallbackAttribute> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(_declaration.Settings);
        return this;
    }

    /// <summary>Sets the callback's error handler, which turns an exception into outputs.</summary>
    /// <param name="onError">Returns the outputs, as the handler would.</param>
    /// <returns>This builder.</returns>
    public BackgroundCallbackBuilder OnError(Func<Exception, CallbackContext, object?> onError)
    {
        _declaration.OnError = onError;
        return this;
    }

    private BackgroundCallbackBuilder Add(DependencyAttribute dependency)
    {
        _declaration.Dependencies.Add(dependency);
        return this;
    }
}
