namespace BackgroundCallbacks;

/// <summary>Declares a state value: passed to the handler, but its changes do not invoke the callback.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true, Inherited = false)]
public sealed class StateAttribute : DependencyAttribute
{
    /// <summary>Creates the state dependency.</summary>
    /// <param name="componentId">The component's id.</param>
    /// <param name="property">The property whose value is passed.</param>
    public StateAttribute(string componentId, string property) : base(componentId, property) { }

    /// <summary>Gets or sets the handler parameter this value binds to; by position when not set.</summary>
    public string? Name { get; set; }

    /// <summary>
    /// Gets or sets whether the component may be missing from the page (Dash's <c>optional=True</c>): the browser client
    /// then sends null for it instead of not running the callback, so the handler's parameter must accept null (a
    /// reference type or a nullable value type; a non-nullable value type stops the app at startup).
    /// </summary>
    public bool Optional { get; set; }
}
