namespace BackgroundCallbacks.Execution;

/// <summary>Where in the invocation's request a declared request value comes from.</summary>
internal enum RequestValueSource
{
    Header,
    Query,
    Cookie,
    PageUrl,
    RemoteAddress,
    Origin,
}
