namespace BackgroundCallbacks.Registry;

/// <summary>An input or state value and the handler parameter it binds to (none for a trigger).</summary>
/// <param name="Dependency">The component property.</param>
/// <param name="IsState">True for state, false for an input.</param>
/// <param name="Name">The argument's name: the declared name, else the parameter's.</param>
/// <param name="Position">The position among inputs then state, as the client sends them.</param>
/// <param name="ParameterType">The type the value is bound to.</param>
internal sealed record ArgumentSpec(DependencySpec Dependency, bool IsState, string Name, int Position, Type ParameterType)
{
    /// <summary>Whether the property is some callback's server-side output: the client sends a reference, the handler gets the value.</summary>
    public bool IsReference { get; init; }

    /// <summary>Whether the handler takes an uploaded file (<c>IFormFile</c>, a list of them, or a <c>Stream</c>): the client sends upload references.</summary>
    public bool IsFile { get; init; }

    /// <summary>
    /// Whether it is a trigger: sent and counted as triggered like an input, but bound to no handler parameter and
    /// never part of the cache key.
    /// </summary>
    public bool IsTrigger { get; init; }

    /// <summary>The parameter types that take uploaded files.</summary>
    public static bool IsFileType(Type type) =>
        type == typeof(Microsoft.AspNetCore.Http.IFormFile) || type == typeof(Stream)
        || (type.IsArray && type.GetElementType() == typeof(Microsoft.AspNetCore.Http.IFormFile))
        || (type.IsGenericType && type.GetGenericArguments() is [var element] && element == typeof(Microsoft.AspNetCore.Http.IFormFile)
            && type.IsAssignableFrom(typeof(Microsoft.AspNetCore.Http.IFormFile[])));
}
