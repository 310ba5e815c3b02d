namespace BackgroundCallbacks.Browser.Tests.Infrastructure;

/// <summary>
/// A browser test. Without Chromium it is skipped on a developer's machine, but under CI=true it runs and fails: CI
/// must install Chromium (scripts/install-test-deps.sh), never silently skip the browser tests.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class BrowserFactAttribute : FactAttribute
{
    public BrowserFactAttribute()
    {
        if (SkipReason is { } reason)
        {
            Skip = reason;
        }
    }

    public static string? SkipReason { get; } =
        File.Exists(BrowserFixture.ChromiumPath) || string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase)
            ? null
            : $"Chromium is not installed at {BrowserFixture.ChromiumPath} (apt-get install chromium).";
}
