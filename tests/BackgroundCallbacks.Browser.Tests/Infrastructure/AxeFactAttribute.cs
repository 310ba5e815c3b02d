namespace BackgroundCallbacks.Browser.Tests.Infrastructure;

/// <summary>
/// A browser test that also needs axe-core. Without it (or without Chromium) it is skipped on a developer's machine,
/// but under CI=true it runs and fails with the reason: CI must run scripts/install-test-deps.sh, never silently skip.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class AxeFactAttribute : FactAttribute
{
    public AxeFactAttribute()
    {
        if (SkipReason is { } reason)
        {
            Skip = reason;
        }
    }

    public static string? SkipReason { get; } =
        BrowserFactAttribute.SkipReason ?? (Axe.IsInstalled || IsCi ? null : MissingMessage);

    /// <summary>Why the check cannot run, for the failure under CI.</summary>
    public static string MissingMessage { get; } =
        $"axe-core is not installed at {Axe.ScriptPath} (run scripts/install-test-deps.sh, or npm ci in tests/BackgroundCallbacks.Browser.Tests).";

    private static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
}
