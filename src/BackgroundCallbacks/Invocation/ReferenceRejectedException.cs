using BackgroundCallbacks.ServerSide;

namespace BackgroundCallbacks.Invocation;

/// <summary>An invocation sent a server-side reference the caller cannot use; the door answers 4xx at once.</summary>
/// <param name="argument">The argument, as errors name it (<c>rows.data ('rows')</c>).</param>
/// <param name="component">The component property, <c>rows.data</c>.</param>
/// <param name="state">Why: malformed, not found (or not the caller's), or expired.</param>
internal sealed class ReferenceRejectedException(string argument, string component, ReferenceState state) : Exception(Describe(argument, state))
{
    public string Component { get; } = component;

    public ReferenceState State { get; } = state;

    private static string Describe(string argument, ReferenceState state) => state switch
    {
        ReferenceState.Expired => $"The server-side value of {argument} has expired; run the callback that makes it again.",
        ReferenceState.Malformed => $"The value of {argument} is not a server-side reference.",
        _ => $"The server-side value of {argument} does not exist, or belongs to another user or session.",
    };
}
