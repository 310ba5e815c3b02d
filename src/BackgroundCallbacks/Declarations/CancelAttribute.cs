namespace BackgroundCallbacks;

/// <summary>Declares a property whose change cancels the callback's running job, whatever its value.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true, Inherited = false)]
public sealed class CancelAttribute : DependencyAttribute
{
    /// <summary>Creates the cancel dependency.</summary>
    /// <param name="componentId">The component's id.</param>
    /// <param name="property">The property whose change cancels the job.</param>
    public CancelAttribute(string componentId, string property) : base(componentId, property) { }
}
