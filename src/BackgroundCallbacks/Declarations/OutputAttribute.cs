namespace BackgroundCallbacks;

/// <summary>Declares an output of a background callback, in the order the handler returns its values.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true, Inherited = false)]
public sealed class OutputAttribute : DependencyAttribute
{
    /// <summary>Creates the output.</summary>
    /// <param name="componentId">The component's id.</param>
    /// <param name="property">The property the handler's value is written to.</param>
    public OutputAttribute(string componentId, string property) : base(componentId, property) { }
}
