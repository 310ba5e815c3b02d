namespace BackgroundCallbacks.Execution;

/// <summary>What an argument value is bound to: the handler parameter's type, and how to name the argument in an error.</summary>
/// <param name="ParameterType">The type the value is read as.</param>
/// <param name="Description">The argument as an error names it, for example <c>input-1.value ('value')</c>.</param>
/// <param name="IsReference">Whether the client sends a server-side reference (or references, for ALL) in place of the value.</param>
internal sealed record ArgumentTarget(Type ParameterType, string Description, bool IsReference = false)
{
    /// <summary>The <c>T</c> when the parameter takes <c>Matched&lt;T&gt;</c> pairs, else null; found once, as the type's reflection allocates.</summary>
    public Type? MatchedValueType { get; } = MatchedValues.ValueTypeOf(ParameterType);
}
