using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace BackgroundCallbacks.Tests;

/// <summary>
/// The C# blocks of the README and of the getting-started, caching and attribute documents compile as written, each on
/// its own, in a project like the one <c>dotnet new web</c> makes (its implicit usings) that references the packages.
/// A block with top-level statements is compiled as a program, any other as a library.
/// </summary>
public sealed partial class DocumentationSnippetTests
{
    // What the Web SDK adds to every project of a `dotnet new web` app.
    private const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Net.Http;
        global using System.Net.Http.Json;
        global using System.Threading;
        global using System.Threading.Tasks;
        global using Microsoft.AspNetCore.Builder;
        global using Microsoft.AspNetCore.Hosting;
        global using Microsoft.AspNetCore.Http;
        global using Microsoft.AspNetCore.Routing;
        global using Microsoft.Extensions.Configuration;
        global using Microsoft.Extensions.DependencyInjection;
        global using Microsoft.Extensions.Hosting;
        global using Microsoft.Extensions.Logging;
        """;

    private static readonly Lazy<List<MetadataReference>> References = new(LoadReferences);

    public static TheoryData<string> Documents => new() { "README.md", "docs/getting-started.md", "docs/caching.md", "docs/attributes.md", "docs/from-dash.md" };

    [Theory]
    [MemberData(nameof(Documents))]
    public void Every_csharp_block_compiles_as_written(string document)
    {
        var blocks = CsharpBlocks(document);
        Assert.NotEmpty(blocks);

        var failures = new StringBuilder();
        foreach (var (line, code) in blocks)
        {
            foreach (var error in Compile(code))
            {
                failures.AppendLine($"{document}, block at line {line}: {error}");
            }
        }

        Assert.True(failures.Length == 0, failures.ToString());
    }

    [Fact]
    public void A_block_that_does_not_compile_is_reported()
    {
        // The check itself: a misspelt member must fail, so a passing document means something.
        var errors = Compile("""
            using BackgroundCallbacks;
            var builder = WebApplication.CreateBuilder(args);
            builder.Services.AddBackgroundCallbakcs();
            """);

        Assert.Contains(errors, e => e.Contains("AddBackgroundCallbakcs", StringComparison.Ordinal));
    }

    private static List<(int Line, string Code)> CsharpBlocks(string document)
    {
        var text = File.ReadAllText(Path.Combine(RepositoryRoot(), document));
        var blocks = new List<(int, string)>();
        foreach (Match match in Fence().Matches(text))
        {
            var line = text.AsSpan(0, match.Index).Count('\n') + 1;
            blocks.Add((line, match.Groups["code"].Value));
        }

        return blocks;
    }

    private static List<string> Compile(string code)
    {
        var options = CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Latest);
        var snippet = CSharpSyntaxTree.ParseText(code, options, path: "Snippet.cs");
        var isProgram = snippet.GetCompilationUnitRoot().Members.OfType<GlobalStatementSyntax>().Any();
        var compilation = CSharpCompilation.Create(
            "Snippet",
            [CSharpSyntaxTree.ParseText(ImplicitUsings, options, path: "GlobalUsings.cs"), snippet],
            References.Value,
            new CSharpCompilationOptions(isProgram ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary)
                .WithNullableContextOptions(NullableContextOptions.Enable));

        return compilation.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .Select(d => $"{d.Location.GetLineSpan().StartLinePosition.Line + 1}: {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}")
            .ToList();
    }

    private static List<MetadataReference> LoadReferences()
    {
        // The test host runs on the ASP.NET Core shared framework with the packages' assemblies beside it: the same
        // assemblies an app that installed the packages compiles against.
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        return paths.Where(p => p.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToList();
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "BackgroundCallbacks.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The repository root was not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex(@"^[ \t]*```csharp[ \t]*\r?\n(?<code>.*?)^[ \t]*```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Fence();
}
