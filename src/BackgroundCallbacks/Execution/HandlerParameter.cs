namespace BackgroundCallbacks.Execution;

/// <summary>How one handler parameter gets its value.</summary>
/// <param name="Kind">What the parameter receives.</param>
/// <param name="ArgumentPosition">For an argument, its position among inputs then state; for a request value, its position among those.</param>
/// <param name="ProgressType">For a progress reporter, the <c>T</c> of <see cref="IProgress{T}"/>; for a response parameter, its type.</param>
internal sealed record HandlerParameter(ParameterKind Kind, int ArgumentPosition, Type? ProgressType);
