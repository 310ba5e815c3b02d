namespace BackgroundCallbacks.Execution;

internal enum ParameterKind
{
    Argument,
    Progress,
    CancellationToken,
    Context,
    RequestValue,

    /// <summary>An inline callback's response (<c>HttpResponse</c> or its <c>IResponseCookies</c>), to set a cookie or header on.</summary>
    Response,
}
