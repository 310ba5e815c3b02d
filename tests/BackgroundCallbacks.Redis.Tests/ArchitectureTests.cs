using BackgroundCallbacks.Redis;
using BackgroundCallbacks.Testing;

namespace BackgroundCallbacks.Redis.Tests;

/// <summary>The Redis backend's folders depend one way (docs/architecture.md), read from the compiled IL.</summary>
public sealed class ArchitectureTests
{
    private static readonly Dictionary<string, string[]> Folders = new(StringComparer.Ordinal)
    {
        ["Diagnostics"] = [],
        ["Connections"] = [],
        ["Caching"] = ["Connections"],
        ["Jobs"] = ["Connections"],
        ["Queueing"] = ["Connections"],
        ["ServerSide"] = ["Connections"],
        ["Hosting"] = ["*"],
    };

    [Fact]
    public void The_redis_folders_depend_one_way()
    {
        var offending = FolderRules.Violations(typeof(RedisCallbacksOptions).Assembly, "src/BackgroundCallbacks.Redis", Folders, "BackgroundCallbacks.Redis");
        Assert.True(offending.Count == 0, "Dependencies against docs/architecture.md:\n" + string.Join("\n", offending));
    }

    [Fact]
    public void Only_the_queueing_and_hosting_folders_name_a_Hangfire_type()
    {
        var folders = new SourceFolders("src/BackgroundCallbacks.Redis", "BackgroundCallbacks.Redis");
        var offending = TypeReferences.Of(typeof(RedisCallbacksOptions).Assembly)
            .Where(t => folders.Of(t.Key) is { } folder && folder is not ("Queueing" or "Hosting"))
            .SelectMany(t => t.Value.Where(u => u.StartsWith("Hangfire.", StringComparison.Ordinal)).Select(u => $"{t.Key} uses {u}"))
            .ToList();
        Assert.True(offending.Count == 0, string.Join("\n", offending));
    }
}
