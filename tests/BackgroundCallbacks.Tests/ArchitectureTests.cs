using BackgroundCallbacks.Testing;

namespace BackgroundCallbacks.Tests;

/// <summary>
/// The folders of each library depend one way, as docs/architecture.md draws them. Read from the compiled IL, so
/// what is checked is what the code uses, not what it says it uses.
/// </summary>
public sealed class ArchitectureTests
{
    // docs/architecture.md, "Folders, and which way they depend". Diagnostics (the source-generated log messages)
    // may be used by every folder and uses none.
    private static readonly Dictionary<string, string[]> CoreFolders = new(StringComparer.Ordinal)
    {
        ["Diagnostics"] = [],
        ["Client"] = [],
        ["Execution"] = [],
        ["Declarations"] = ["Execution"],
        ["Options"] = ["Execution"],
        ["Owners"] = ["Options"],
        ["Registry"] = ["Declarations", "Execution", "Options"],
        ["Protocol"] = ["Registry", "Execution"],
        ["Caching"] = ["Owners", "Options"],
        ["ServerSide"] = ["Owners", "Options"],
        ["Jobs"] = ["Registry", "Execution", "Protocol", "Caching", "ServerSide", "Owners", "Options"],
        ["Invocation"] = ["Jobs", "Registry", "Execution", "Protocol", "Caching", "ServerSide", "Owners", "Options"],
        ["Queueing"] = ["Jobs"],
        ["Health"] = ["Jobs", "Registry"],
        ["Http"] = ["Invocation", "Jobs", "Protocol", "Registry", "Execution", "Caching", "ServerSide", "Owners", "Options"],
        ["Hosting"] = ["*"],
    };

    [Fact]
    public void The_core_folders_depend_one_way_as_the_architecture_document_draws_them()
    {
        var offending = FolderRules.Violations(typeof(BackgroundCallbacksOptions).Assembly, "src/BackgroundCallbacks", CoreFolders, "BackgroundCallbacks");
        Assert.True(offending.Count == 0, "Dependencies against docs/architecture.md:\n" + string.Join("\n", offending));
    }

    [Fact]
    public void Only_the_queueing_folder_names_a_Hangfire_type_in_the_core()
    {
        var folders = new SourceFolders("src/BackgroundCallbacks", "BackgroundCallbacks");
        var offending = TypeReferences.Of(typeof(BackgroundCallbacksOptions).Assembly)
            .Where(t => folders.Of(t.Key) is { } folder && folder != "Queueing")
            .SelectMany(t => t.Value.Where(u => u.StartsWith("Hangfire.", StringComparison.Ordinal)).Select(u => $"{t.Key} uses {u}"))
            .ToList();
        Assert.True(offending.Count == 0, string.Join("\n", offending));
    }

    [Fact]
    public void Execution_knows_nothing_of_jobs()
    {
        // The rule the others are built around: a handler's reports go to a sink; the job side implements it.
        var folders = new SourceFolders("src/BackgroundCallbacks", "BackgroundCallbacks");
        var graph = TypeReferences.Of(typeof(BackgroundCallbacksOptions).Assembly);
        var execution = graph.Where(t => folders.Of(t.Key) == "Execution").ToList();
        Assert.NotEmpty(execution);
        Assert.DoesNotContain(execution.SelectMany(t => t.Value), u => folders.Of(u) is "Jobs" or "Queueing" or "Registry");
    }
}
