using System.Reflection;

namespace BackgroundCallbacks.Declarations;

/// <summary>
/// A callback as written, before validation: from attributes on a method, or from the fluent builder (which
/// produces the same attributes).
/// </summary>
internal sealed class CallbackDeclaration(BackgroundCallbackAttribute settings, MethodInfo method, object? target)
{
    public BackgroundCallbackAttribute Settings { get; } = settings;

    public MethodInfo Method { get; } = method;

    /// <summary>The delegate's target for fluent registrations; null for attribute-declared methods.</summary>
    public object? Target { get; } = target;

    public bool IsDelegate { get; init; }

    public List<DependencyAttribute> Dependencies { get; } = [];

    public Func<Exception, CallbackContext, object?>? OnError { get; set; }

    public string Source => IsDelegate
        ? $"callback '{Settings.Id}' (registered in code)"
        : $"callback '{Settings.Id}' ({Method.DeclaringType?.FullName}.{Method.Name})";
}
