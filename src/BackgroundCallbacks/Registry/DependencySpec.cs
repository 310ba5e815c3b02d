namespace BackgroundCallbacks.Registry;

/// <summary>One component property named in a callback declaration.</summary>
internal sealed record DependencySpec(string ComponentId, string Property)
{
    public string Key { get; } = ComponentId + "." + Property;

    public PatternKind Kind { get; } = ComponentPatterns.KindOf(ComponentId);

    /// <summary>For a server-side output, the name of the store its value goes to; null for every other dependency.</summary>
    public string? Store { get; init; }

    /// <summary>For an input or state, whether the component may be missing from the page: the client sends null for it.</summary>
    public bool Optional { get; init; }

    /// <summary>For an output, whether another callback may write the same property (<see cref="OutputAttribute.AllowDuplicate"/>).</summary>
    public bool AllowDuplicate { get; init; }

    public override string ToString() => Key;
}
