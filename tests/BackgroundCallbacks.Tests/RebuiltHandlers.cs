using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace BackgroundCallbacks.Tests;

/// <summary>
/// Two builds of one small app, compiled with Roslyn as a deploy would rebuild it (Release, same assembly name), each
/// loaded into a context of its own: the second changes one handler of each kind (method, async method, lambda) and adds
/// unrelated code before them all (a method with a new string literal, a new lambda), so every metadata token and
/// compiler-made name after it shifts while the kept handlers' source stays as it was.
/// </summary>
public static class RebuiltHandlers
{
    private const string Template = """
        using System;
        using System.Threading.Tasks;
        using BackgroundCallbacks;

        public static class Handlers
        {
            /*ADDED*/

            [BackgroundCallback("kept", CacheBy = [], SharedResults = true)]
            [Output("out", "children", AllowDuplicate = true)]
            [Input("in", "value")]
            public static string Kept(int? n) => "kept:" + Helper(n);

            [BackgroundCallback("changed", CacheBy = [], SharedResults = true)]
            [Output("out", "children", AllowDuplicate = true)]
            [Input("in", "value")]
            public static string Changed(int? n) => "/*CHANGED*/:" + n;

            [BackgroundCallback("kept-async", CacheBy = [], SharedResults = true)]
            [Output("out", "children", AllowDuplicate = true)]
            [Input("in", "value")]
            public static async Task<string> KeptAsync(int? n)
            {
                await Task.Yield();
                return "kept-async:" + n;
            }

            [BackgroundCallback("changed-async", CacheBy = [], SharedResults = true)]
            [Output("out", "children", AllowDuplicate = true)]
            [Input("in", "value")]
            public static async Task<string> ChangedAsync(int? n)
            {
                await Task.Yield();
                return "/*CHANGED_ASYNC*/:" + n;
            }

            public static string Helper(int? n) => "/*HELPER*/" + n;
        }

        public static class Lambdas
        {
            /*ADDED_LAMBDA*/

            public static Delegate Kept => (int? n) => "kept-lambda:" + n;

            public static Delegate Changed => (int? n) => "/*CHANGED_LAMBDA*/:" + n;
        }
        """;

    private static readonly Lazy<List<MetadataReference>> References = new(() =>
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator)
            .Where(p => p.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToList());

    /// <summary>The first build.</summary>
    public static Assembly First => FirstBuild.Value;

    /// <summary>The second: <c>Changed</c>, <c>ChangedAsync</c> (after its await) and the changed lambda differ; new code comes before them.</summary>
    public static Assembly Second => SecondBuild.Value;

    /// <summary>The first build with only <c>Helper</c>, a method <c>Kept</c> calls, changed.</summary>
    public static Assembly HelperChanged => HelperBuild.Value;

    private static readonly Lazy<Assembly> FirstBuild = new(() => Build("first", Template
        .Replace("/*ADDED*/", string.Empty, StringComparison.Ordinal)
        .Replace("/*ADDED_LAMBDA*/", string.Empty, StringComparison.Ordinal)
        .Replace("/*CHANGED*/", "changed", StringComparison.Ordinal)
        .Replace("/*CHANGED_ASYNC*/", "changed-async", StringComparison.Ordinal)
        .Replace("/*CHANGED_LAMBDA*/", "changed-lambda", StringComparison.Ordinal)
        .Replace("/*HELPER*/", "helped:", StringComparison.Ordinal)));

    private static readonly Lazy<Assembly> SecondBuild = new(() => Build("second", Template
        .Replace("/*ADDED*/", """public static string Added(string s) => "a literal the first build did not have" + s.Length;""", StringComparison.Ordinal)
        .Replace("/*ADDED_LAMBDA*/", """public static Delegate Added => (string s) => "another new literal" + s;""", StringComparison.Ordinal)
        .Replace("/*CHANGED*/", "changed in the second build", StringComparison.Ordinal)
        .Replace("/*CHANGED_ASYNC*/", "changed-async in the second build", StringComparison.Ordinal)
        .Replace("/*CHANGED_LAMBDA*/", "changed-lambda in the second build", StringComparison.Ordinal)
        .Replace("/*HELPER*/", "helped:", StringComparison.Ordinal)));

    private static readonly Lazy<Assembly> HelperBuild = new(() => Build("helper", Template
        .Replace("/*ADDED*/", string.Empty, StringComparison.Ordinal)
        .Replace("/*ADDED_LAMBDA*/", string.Empty, StringComparison.Ordinal)
        .Replace("/*CHANGED*/", "changed", StringComparison.Ordinal)
        .Replace("/*CHANGED_ASYNC*/", "changed-async", StringComparison.Ordinal)
        .Replace("/*CHANGED_LAMBDA*/", "changed-lambda", StringComparison.Ordinal)
        .Replace("/*HELPER*/", "helped differently:", StringComparison.Ordinal)));

    public static MethodInfo Method(Assembly assembly, string name) =>
        assembly.GetType("Handlers", throwOnError: true)!.GetMethod(name, BindingFlags.Public | BindingFlags.Static)!;

    public static Delegate Lambda(Assembly assembly, string name) =>
        (Delegate)assembly.GetType("Lambdas", throwOnError: true)!.GetProperty(name, BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;

    private static Assembly Build(string label, string source)
    {
        var compilation = CSharpCompilation.Create(
            "RebuiltApp",
            [CSharpSyntaxTree.ParseText(source, CSharpParseOptions.Default.WithLanguageVersion(LanguageVersion.Latest), path: "Handlers.cs")],
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release, deterministic: true)
                .WithNullableContextOptions(NullableContextOptions.Enable));
        using var image = new MemoryStream();
        var emitted = compilation.Emit(image);
        Assert.True(emitted.Success, string.Join(Environment.NewLine, emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        image.Position = 0;

        // Both builds are called RebuiltApp, as two deploys of one app are: each needs a load context of its own.
        return new AssemblyLoadContext("rebuilt-" + label).LoadFromStream(image);
    }
}
