namespace BackgroundCallbacks.Registry;

/// <summary>How a declared component id names components: one by its id, or many by a pattern with wildcards.</summary>
internal enum PatternKind
{
    None,
    Match,
    All,
}
