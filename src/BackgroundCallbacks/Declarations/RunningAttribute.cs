namespace BackgroundCallbacks;

/// <summary>
/// Declares a property the client sets while the job runs and sets back when it ends, for example a button's
/// <c>disabled</c> flag. With one value the client restores what the property held when the job started; with two it
/// sets the second.
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

    /// <summary>
    /// Creates a running dependency that is undone when the job ends, as Dash's one-value entry
    /// <c>(Output("btn", "disabled"), True)</c> is: the client reads the property from the page as the job starts and
    /// writes that value back once it has ended, whatever its outcome.
    /// </summary>
    /// <param name="componentId">The component's id.</param>
    /// <param name="property">The property to set.</param>
    /// <param name="whileRunning">The value while the job runs.</param>
    public RunningAttribute(string componentId, string property, object? whileRunning)
        : base(componentId, property)
    {
        WhileRunning = whileRunning;
        RestoresPreviousValue = true;
    }

    /// <summary>Gets the value while the job runs.</summary>
    public object? WhileRunning { get; }

    /// <summary>Gets the value once the job has ended; null when <see cref="RestoresPreviousValue"/> is set.</summary>
    public object? WhenDone { get; }

    /// <summary>
    /// Gets whether the property gets back the value it had when the job started instead of <see cref="WhenDone"/>:
    /// true when the attribute was created with one value.
    /// </summary>
    public bool RestoresPreviousValue { get; }

    /// <summary>
    /// Gets or sets whether the values are JSON text (for objects such as a style) rather than plain values.
    /// </summary>
    public bool Json { get; set; }
}
