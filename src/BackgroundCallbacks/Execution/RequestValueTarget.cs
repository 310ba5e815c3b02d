namespace BackgroundCallbacks.Execution;

/// <summary>One request value a handler declares, and the parameter it is bound to.</summary>
/// <param name="Source">Where the value comes from.</param>
/// <param name="Name">The header, query or cookie name; null for the sources that have none.</param>
/// <param name="ParameterName">The handler parameter, as <c>CacheArgsToIgnore</c> names it.</param>
/// <param name="ParameterType">The type the value is bound as.</param>
internal sealed record RequestValueTarget(RequestValueSource Source, string? Name, string ParameterName, Type ParameterType)
{
    public string Description => Name is null ? $"{Source} ('{ParameterName}')" : $"{Source} '{Name}' ('{ParameterName}')";
}
