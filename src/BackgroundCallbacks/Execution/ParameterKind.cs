namespace BackgroundCallbacks.Execution;

internal enum ParameterKind
{
    Argument,
    Progress,
    CancellationToken,
    Context,
    RequestValue,
}
