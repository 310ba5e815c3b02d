namespace BackgroundCallbacks;

/// <summary>The names of the cache-by providers the library registers itself.</summary>
public static class BuiltInCacheBy
{
    /// <summary>A value drawn once when the process starts: results are shared until the next restart (Dash's <c>launch_uid</c>).</summary>
    public const string LaunchId = "launch-id";

    /// <summary>The authenticated user's id; for an anonymous request, its session.</summary>
    public const string User = "user";

    /// <summary>The session: the anonymous session cookie the middleware sets.</summary>
    public const string Session = "session";

    /// <summary>The entry assembly's informational version: results are shared until the app is redeployed with a new version.</summary>
    public const string AppVersion = "app-version";
}
