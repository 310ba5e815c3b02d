namespace BackgroundCallbacks.Registry;

/// <summary>One component property named in a callback declaration.</summary>
internal sealed record DependencySpec(string ComponentId, string Property)
{
    public string Key { get; } = ComponentId + "." + Property;

    public PatternKind Kind { get; } = ComponentPatterns.KindOf(ComponentId);

    public override string ToString() => Key;
}
