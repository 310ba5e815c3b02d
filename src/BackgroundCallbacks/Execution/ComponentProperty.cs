namespace BackgroundCallbacks;

/// <summary>A property of one component of this invocation: an output, or an input that triggered it.</summary>
public sealed class ComponentProperty
{
    internal ComponentProperty(ComponentId id, string property)
    {
        Id = id;
        Property = property;
    }

    /// <summary>Gets the component's concrete id: MATCH wildcards are replaced by this invocation's values.</summary>
    public ComponentId Id { get; }

    /// <summary>Gets the property's name, for example <c>children</c>.</summary>
    public string Property { get; }

    /// <summary>Returns <c>componentId.property</c>, the id in its canonical form.</summary>
    /// <returns>The id, a dot and the property.</returns>
    public override string ToString() => Id + "." + Property;
}
