using System.IO.Compression;
using System.Reflection.Metadata;
using System.Text;
using System.Xml.Linq;
using BackgroundCallbacks.Package.Tests.Infrastructure;

namespace BackgroundCallbacks.Package.Tests;

/// <summary>What each packed package holds, read from the .nupkg and .snupkg files themselves.</summary>
[Collection(PackagesCollection.Name)]
public class PackageContentsTests(Packages packages)
{
    private const string RepositoryUrl = "https://github.com/backgroundcallbacks/backgroundcallbacks";

    // The GUID under which a portable PDB keeps its SourceLink map.
    private static readonly Guid SourceLinkKind = new("CC110556-A091-4D38-9FEC-25AB9A351A6A");

    public static TheoryData<string> Ids => new(Packages.Ids);

    private XElement Metadata(string id)
    {
        using var package = ZipFile.OpenRead(packages.PathOf(id));
        using var nuspec = package.GetEntry($"{id}.nuspec")!.Open();
        var document = XDocument.Load(nuspec);
        return document.Root!.Elements().Single(e => e.Name.LocalName == "metadata");
    }

    private static string? Text(XElement metadata, string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value;

    private static XElement Element(XElement metadata, string name) => metadata.Elements().Single(e => e.Name.LocalName == name);

    [Theory]
    [MemberData(nameof(Ids))]
    public void Every_package_carries_the_MIT_license_expression_its_version_and_the_repository(string id)
    {
        var metadata = Metadata(id);

        var license = Element(metadata, "license");
        Assert.Equal("expression", license.Attribute("type")?.Value);
        Assert.Equal("MIT", license.Value);
        Assert.Equal(Packages.Version, Text(metadata, "version"));
        Assert.Equal(RepositoryUrl, Text(metadata, "projectUrl"));
        var repository = Element(metadata, "repository");
        Assert.Equal("git", repository.Attribute("type")?.Value);
        Assert.Equal(RepositoryUrl, repository.Attribute("url")?.Value);
        Assert.Matches("^[0-9a-f]{40}$", repository.Attribute("commit")?.Value ?? "");
        Assert.False(string.IsNullOrWhiteSpace(Text(metadata, "description")), "description");
        Assert.Contains("CHANGELOG.md", Text(metadata, "releaseNotes"));
        Assert.Contains("aspnetcore", (Text(metadata, "tags") ?? "").Split(' '));
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Every_package_carries_its_readme_and_icon(string id)
    {
        var metadata = Metadata(id);
        using var package = ZipFile.OpenRead(packages.PathOf(id));

        var readme = Text(metadata, "readme");
        Assert.Equal("README.md", readme);
        using (var reader = new StreamReader(package.GetEntry(readme!)!.Open()))
        {
            Assert.StartsWith("# ", reader.ReadToEnd());
        }

        var icon = Text(metadata, "icon");
        Assert.Equal("icon.png", icon);
        using var image = package.GetEntry(icon!)!.Open();
        var signature = new byte[8];
        image.ReadExactly(signature);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, signature);
    }

    [Fact]
    public void The_core_package_ships_the_clients_TypeScript_declarations()
    {
        using var package = ZipFile.OpenRead(packages.PathOf("BackgroundCallbacks"));

        var entry = package.GetEntry("client/client.d.ts");

        Assert.NotNull(entry);
        using var reader = new StreamReader(entry.Open());
        var source = File.ReadAllText(Path.Combine(Packages.RepoRoot, "src", "BackgroundCallbacks", "Client", "client.d.ts"));
        Assert.Equal(source, reader.ReadToEnd());
    }

    [Theory]
    [InlineData("BackgroundCallbacks.Redis")]
    [InlineData("BackgroundCallbacks.Mcp")]
    public void A_package_that_uses_the_cores_internals_depends_on_exactly_this_version_of_it(string id)
    {
        var dependencies = Element(Metadata(id), "dependencies")
            .Descendants().Where(e => e.Name.LocalName == "dependency").ToList();

        var core = Assert.Single(dependencies, d => d.Attribute("id")?.Value == "BackgroundCallbacks");
        Assert.Equal($"[{Packages.Version}]", core.Attribute("version")?.Value);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Every_package_has_a_symbol_package_whose_pdb_maps_sources_to_the_repository(string id)
    {
        var symbols = packages.PathOf(id, "snupkg");
        Assert.True(File.Exists(symbols), $"{symbols} is missing");
        using var package = ZipFile.OpenRead(symbols);
        var entry = package.GetEntry($"lib/net10.0/{id}.pdb");
        Assert.NotNull(entry);
        using var pdb = new MemoryStream();
        using (var stream = entry.Open())
        {
            stream.CopyTo(pdb);
        }

        pdb.Position = 0;
        using var provider = MetadataReaderProvider.FromPortablePdbStream(pdb);
        var reader = provider.GetMetadataReader();
        var sourceLink = reader.CustomDebugInformation
            .Select(reader.GetCustomDebugInformation)
            .Where(c => reader.GetGuid(c.Kind) == SourceLinkKind)
            .Select(c => Encoding.UTF8.GetString(reader.GetBlobBytes(c.Value)))
            .SingleOrDefault();
        Assert.NotNull(sourceLink);
        Assert.Contains("/backgroundcallbacks/backgroundcallbacks/", sourceLink);
    }
}
