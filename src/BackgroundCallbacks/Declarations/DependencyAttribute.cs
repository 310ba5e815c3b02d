namespace BackgroundCallbacks;

/// <summary>The base of the attributes that name a component property a callback depends on.</summary>
public abstract class DependencyAttribute : Attribute
{
    /// <summary>Creates the dependency.</summary>
    /// <param name="componentId">
    /// The component's id: a plain string, or a JSON object such as <c>{"type":"row","index":"MATCH"}</c> for pattern-matching ids.
    /// </param>
    /// <param name="property">The component property.</param>
    protected DependencyAttribute(string componentId, string property)
    {
        ComponentId = componentId;
        Property = property;
    }

    /// <summary>Gets the component id.</summary>
    public string ComponentId { get; }

    /// <summary>Gets the component property.</summary>
    public string Property { get; }
}
