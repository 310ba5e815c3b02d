namespace BackgroundCallbacks;

/// <summary>
/// Declares a property the client sets while the job runs and sets back when it ends, for example a button's
/// <c>disabled</c> flag.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true, Inherited = false)]
public sealed class RunningAttribute : DependencyAttribute
{
    /// <summary>Creates the running dependency.</summary>
    /// <param name="componentId">The component's id.</param>
    /// <param name="property">The property to set.</param>
    /// <param name="whileRunning">The value while the job runs.</param>
    /// <param name="whenDone">The value once the job has ended, whatever its outcome.</param>
    public RunningAttribute(string componentId, string property, object? whileRunning, object? whenDone)
        : base(componentId, property)
    {
        WhileRunning = whileRunning;
        WhenDone = whenDone;
    }

    /// <summary>Gets the value while the job runs.</summary>
    public object? WhileRunning { get; }

    /// <summary>Gets the value once the job has ended.</summary>
    public object? WhenDone { get; }

    /// <summary>
    /// Gets or sets whether the two values are JSON text (for objects such as a style) rather than plain values.
    /// </summary>
    public bool Json { get; set; }
}
