namespace BackgroundCallbacks;

/// <summary>
/// Binds a handler parameter (a <see cref="string"/>) to the <c>Origin</c> header of the invocation's request; null when
/// it has none. The value is part of the cache key unless the parameter is named in <c>CacheArgsToIgnore</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, Inherited = false)]
public sealed class FromOriginAttribute : Attribute;
