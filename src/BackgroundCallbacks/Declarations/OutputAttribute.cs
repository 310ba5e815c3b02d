namespace BackgroundCallbacks;

/// <summary>Declares an output of a background callback, in the order the handler returns its values.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true, Inherited = false)]
public sealed class OutputAttribute : DependencyAttribute
{
    /// <summary>Creates the output.</summary>
    /// <param name="componentId">The component's id.</param>
    /// <param name="property">The property the handler's value is written to.</param>
    public OutputAttribute(string componentId, string property) : base(componentId, property) { }

    /// <summary>
    /// Gets or sets whether the value stays on the server: the client receives a small reference instead, and a callback
    /// that takes this property as an input or state receives the value itself, read from the store on its worker.
    /// Declare the property on a store-like element (the client keeps the reference without rendering it).
    /// </summary>
    public bool ServerSide { get; set; }

    /// <summary>
    /// Gets or sets the name of the store a server-side value goes to, as registered with <c>AddMemoryValueStore</c>,
    /// <c>AddFileSystemValueStore</c> or <c>AddRedisValueStore</c>; the default store when not set. Requires <see cref="ServerSide"/>.
    /// </summary>
    public string? Store { get; set; }

    /// <summary>
    /// Gets or sets whether another callback may write this same property (Dash's <c>allow_duplicate</c>). Two callbacks
    /// with an output of the same component id (for pattern ids, the same pattern) and property stop the app at startup
    /// unless every one of those outputs sets this. When both run, the answer that comes later wins.
    /// </summary>
    public bool AllowDuplicate { get; set; }
}
