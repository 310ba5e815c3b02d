namespace BackgroundCallbacks;

/// <summary>
/// Binds a handler parameter (a <see cref="string"/>) to the URL of the page the user is on, as the browser client sends
/// it with each invocation; null when the caller sent none (curl, other clients). It is not the callback endpoint's URL:
/// for that request's own query string, use <c>[FromQuery]</c>. The value is part of the cache key unless the parameter
/// is named in <c>CacheArgsToIgnore</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, Inherited = false)]
public sealed class FromPageUrlAttribute : Attribute;
