namespace BackgroundCallbacks.Jobs;

internal static class CancelReasons
{
    public const string Requested = "requested";
    public const string Superseded = "superseded";
}
