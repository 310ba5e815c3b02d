namespace BackgroundCallbacks;

/// <summary>
/// Declares an input: a change of this property invokes the callback, and its value is passed to the handler.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true, Inherited = false)]
public sealed class InputAttribute : DependencyAttribute
{
    /// <summary>Creates the input.</summary>
    /// <param name="componentId">The component's id.</param>
    /// <param name="property">The property whose changes trigger the callback.</param>
    public InputAttribute(string componentId, string property) : base(componentId, property) { }

    /// <summary>
    /// Gets or sets the handler parameter this input binds to. When not set, inputs and state bind to the
    /// handler's parameters by position.
    /// </summary>
    public string? Name { get; set; }

    /// <summary>
    /// Gets or sets whether the component may be missing from the page (Dash's <c>optional=True</c>): the browser client
    /// then sends null for it instead of not running the callback, so the handler's parameter must accept null (a
    /// reference type or a nullable value type; a non-nullable value type stops the app at startup).
    /// </summary>
    public bool Optional { get; set; }
}
