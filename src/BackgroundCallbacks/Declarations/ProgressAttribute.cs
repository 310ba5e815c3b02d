namespace BackgroundCallbacks;

/// <summary>
/// Declares a progress output: the handler's <see cref="IProgress{T}"/> reports write to these properties, in
/// declaration order, while the job runs.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true, Inherited = false)]
public sealed class ProgressAttribute : DependencyAttribute
{
    /// <summary>Creates the progress output.</summary>
    /// <param name="componentId">The component's id.</param>
    /// <param name="property">The property progress values are written to.</param>
    public ProgressAttribute(string componentId, string property) : base(componentId, property) { }

    /// <summary>
    /// Gets or sets the value the property takes when no job is running (Dash's <c>progress_default</c>);
    /// <see langword="null"/> when not set.
    /// </summary>
    public object? Default { get; set; }

    /// <summary>Gets or sets the default as JSON text, for values an attribute cannot hold; wins over <see cref="Default"/>.</summary>
    public string? DefaultJson { get; set; }
}
