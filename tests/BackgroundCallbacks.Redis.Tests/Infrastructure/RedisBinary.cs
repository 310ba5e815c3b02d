namespace BackgroundCallbacks.Redis.Tests.Infrastructure;

/// <summary>Finds redis-server; a machine without it fails the test, which is never skipped.</summary>
internal static class RedisBinary
{
    public static string Find()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (var directory in path.Split(Path.PathSeparator).Append("/usr/bin").Append("/usr/local/bin"))
        {
            var candidate = Path.Combine(directory, "redis-server");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            "redis-server was not found on PATH. These tests run against a real Redis and are never skipped: install it " +
            "(apt-get install redis-server; scripts/install-test-deps.sh does this for CI).");
    }
}
