namespace BackgroundCallbacks;

/// <summary>
/// Binds a handler parameter (a <see cref="string"/>) to a cookie of the invocation's request, read when the invocation
/// is admitted; null when the request has no such cookie. The value is part of the cache key unless the parameter is
/// named in <c>CacheArgsToIgnore</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, Inherited = false)]
public sealed class FromCookieAttribute : Attribute
{
    /// <summary>Binds the parameter to the cookie of this name.</summary>
    /// <param name="name">The cookie's name.</param>
    public FromCookieAttribute(string name) => Name = name;

    /// <summary>Gets the cookie's name.</summary>
    public string Name { get; }
}
