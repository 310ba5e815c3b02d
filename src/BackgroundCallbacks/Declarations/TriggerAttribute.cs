namespace BackgroundCallbacks;

/// <summary>
/// Declares a trigger (Dash's <c>Trigger</c>): a change of this property invokes the callback, as an input's does, but
/// its value is passed to no handler parameter and is never part of the cache key. Use it for a button whose click
/// count only says "run now", so that a cached result is found again on the next click.
/// </summary>
/// <remarks>
/// Inputs and state bind to the handler's parameters by position or name with triggers skipped. The trigger still
/// counts as triggered (<see cref="CallbackContext"/> names it), and a handler that needs its value declares it as an
/// <see cref="InputAttribute"/> instead.
/// </remarks>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true, Inherited = false)]
public sealed class TriggerAttribute : DependencyAttribute
{
    /// <summary>Creates the trigger.</summary>
    /// <param name="componentId">The component's id.</param>
    /// <param name="property">The property whose changes invoke the callback.</param>
    public TriggerAttribute(string componentId, string property) : base(componentId, property) { }
}
