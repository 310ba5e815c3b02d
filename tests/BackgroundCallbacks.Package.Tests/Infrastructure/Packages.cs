using System.Reflection;

namespace BackgroundCallbacks.Package.Tests.Infrastructure;

/// <summary>
/// The packed packages: artifacts/packages as scripts/pack.sh left it (test.sh packs before the tests), or, when that
/// folder lacks this version's packages (a developer running only this project), a temporary folder the same script
/// packs into now. The tests never skip for want of packages.
/// </summary>
public sealed class Packages : IAsyncLifetime
{
    private static readonly Assembly Tests = typeof(Packages).Assembly;
    private string? _temporary;

    public static string RepoRoot { get; } = Metadata("RepoRoot");

    /// <summary>The version every package has: the repository's one version, which this test project has too.</summary>
    public static string Version { get; } = Metadata("PackageVersion");

    /// <summary>One package per project under src/, named after its folder.</summary>
    public static IReadOnlyList<string> Ids { get; } = Directory.GetDirectories(Path.Combine(RepoRoot, "src"))
        .Select(Path.GetFileName)
        .Where(name => File.Exists(Path.Combine(RepoRoot, "src", name!, $"{name}.csproj")))
        .Order(StringComparer.Ordinal)
        .ToList()!;

    public string Folder { get; private set; } = "";

    public string PathOf(string id, string extension = "nupkg") => Path.Combine(Folder, $"{id}.{Version}.{extension}");

    public async Task InitializeAsync()
    {
        var artifacts = Path.Combine(RepoRoot, "artifacts", "packages");
        if (Ids.All(id => File.Exists(Path.Combine(artifacts, $"{id}.{Version}.nupkg"))))
        {
            Folder = artifacts;
            return;
        }

        _temporary = Directory.CreateTempSubdirectory("bgcb-packages-").FullName;
        await Command.RunAsync(Command.Start("bash", RepoRoot, "scripts/pack.sh", _temporary), TimeSpan.FromMinutes(10));
        Folder = _temporary;
    }

    public Task DisposeAsync()
    {
        if (_temporary is not null)
        {
            Directory.Delete(_temporary, recursive: true);
        }

        return Task.CompletedTask;
    }

    private static string Metadata(string key) =>
        Tests.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"The test assembly lacks its {key}.");
}
