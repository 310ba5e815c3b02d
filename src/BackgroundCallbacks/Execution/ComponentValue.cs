using System.Text.Json;

namespace BackgroundCallbacks;

/// <summary>An input or state of this invocation: which component property it is, and the value it had.</summary>
public sealed class ComponentValue
{
    internal ComponentValue(ComponentId id, string property, JsonElement value, bool isAll, IReadOnlyList<Matched<JsonElement>> components)
    {
        Id = id;
        Property = property;
        Value = value;
        IsAll = isAll;
        Components = components;
    }

    /// <summary>
    /// Gets the component's concrete id (MATCH wildcards replaced by this invocation's values); for an ALL entry, the
    /// pattern as declared, since it stands for many components (see <see cref="Components"/>).
    /// </summary>
    public ComponentId Id { get; }

    /// <summary>Gets the property's name, for example <c>value</c>.</summary>
    public string Property { get; }

    /// <summary>Gets the value as the client sent it; for an ALL entry, the array of every matching component's value.</summary>
    public JsonElement Value { get; }

    /// <summary>Gets a value indicating whether the entry is an ALL pattern, which stands for every component it matches.</summary>
    public bool IsAll { get; }

    /// <summary>
    /// Gets the components this entry stands for, each with its concrete id and value: for an ALL entry one per matching
    /// component in document order (empty when the client did not send their ids), otherwise the one component.
    /// </summary>
    public IReadOnlyList<Matched<JsonElement>> Components { get; }

    /// <summary>Returns <c>componentId.property</c>.</summary>
    /// <returns>The id, a dot and the property.</returns>
    public override string ToString() => Id + "." + Property;
}
