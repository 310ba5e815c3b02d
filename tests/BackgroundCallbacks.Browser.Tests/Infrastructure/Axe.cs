using System.Reflection;
using System.Text.Json;

namespace BackgroundCallbacks.Browser.Tests.Infrastructure;

/// <summary>
/// axe-core, the accessibility engine, installed by npm next to the browser tests (scripts/install-test-deps.sh) and
/// injected into a page to check the whole document as it is at that moment.
/// </summary>
public static class Axe
{
    /// <summary>Where npm puts axe-core: the browser tests' own node_modules, found from the repository root.</summary>
    public static string ScriptPath { get; } = FindScript();

    public static bool IsInstalled => File.Exists(ScriptPath);

    /// <summary>
    /// Runs axe on the page's whole document and returns its serious and critical violations, one line each:
    /// rule id, impact, what the rule wants, and the selectors of the failing elements.
    /// </summary>
    public static async Task<IReadOnlyList<string>> SeriousViolationsAsync(IPage page)
    {
        if (!IsInstalled)
        {
            throw new InvalidOperationException(AxeFactAttribute.MissingMessage);
        }

        if (!await page.EvaluateAsync<bool>("() => typeof window.axe === 'object'"))
        {
            await page.AddScriptTagAsync(new PageAddScriptTagOptions { Content = await File.ReadAllTextAsync(ScriptPath) });
        }

        var json = await page.EvaluateAsync<string>("""
            async () => {
              const results = await axe.run(document, { resultTypes: ["violations"] });
              return JSON.stringify(results.violations
                .filter(v => v.impact === "serious" || v.impact === "critical")
                .map(v => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(n => n.target.join(" ")) })));
            }
            """);
        return JsonDocument.Parse(json).RootElement.EnumerateArray()
            .Select(v => $"{v.GetProperty("id").GetString()} ({v.GetProperty("impact").GetString()}): {v.GetProperty("help").GetString()} at "
                + string.Join(", ", v.GetProperty("targets").EnumerateArray().Select(t => t.GetString())))
            .ToList();
    }

    private static string FindScript()
    {
        const string relative = "tests/BackgroundCallbacks.Browser.Tests/node_modules/axe-core/axe.min.js";
        // The sample's directory is baked into the shared testing assembly; the repository root is two levels above it.
        var sample = typeof(SampleServer).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "SampleDirectory").Value!;
        var candidates = new[] { Path.GetFullPath(Path.Combine(sample, "..", "..")) }
            .Concat(Ancestors(AppContext.BaseDirectory))
            .Select(root => Path.Combine(root, relative));
        return candidates.FirstOrDefault(File.Exists) ?? candidates.First();
    }

    private static IEnumerable<string> Ancestors(string directory)
    {
        for (var current = new DirectoryInfo(directory); current is not null; current = current.Parent)
        {
            yield return current.FullName;
        }
    }
}
