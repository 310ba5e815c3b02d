using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using BackgroundCallbacks.Declarations;
using BackgroundCallbacks.Invocation;
using BackgroundCallbacks.Registry;
using BenchmarkDotNet.Attributes;

namespace BackgroundCallbacks.Benchmarks;

/// <summary>Building a cache key against the least any key needs: one SHA-256 over the raw request bytes.</summary>
[MemoryDiagnoser]
public class CacheKeyBenchmarks
{
    private static readonly byte[] Body = Encoding.UTF8.GetBytes(
        """{"inputs":[{"id":"run","property":"n_clicks","value":3}],"state":[{"id":"query","property":"value","value":{"region":"emea","from":"2026-01-01","to":"2026-06-30","metrics":["revenue","units"]}}],"triggered":["run.n_clicks"]}""");

    private CallbackDefinition _callback = null!;
    private InvocationRequest _request = null!;
    private KeyValuePair<string, string?>[] _cacheBy = null!;

    [GlobalSetup]
    public void Setup()
    {
        var handler = (int? clicks, JsonElement query) => "";
        var declaration = new CallbackDeclaration(new BackgroundCallbackAttribute("report"), handler.Method, handler.Target) { IsDelegate = true };
        declaration.Dependencies.Add(new OutputAttribute("out", "children"));
        declaration.Dependencies.Add(new InputAttribute("run", "n_clicks"));
        declaration.Dependencies.Add(new StateAttribute("query", "value"));
        _callback = CallbackCompiler.Compile(declaration, "default", JsonSerializerOptions.Web, [], [])!;
        var document = JsonDocument.Parse(Body);
        _request = new InvocationRequest(
            [document.RootElement.GetProperty("inputs")[0].GetProperty("value"), document.RootElement.GetProperty("state")[0].GetProperty("value")],
            ["run.n_clicks"]);
        _cacheBy = [new("launch-id", "0f8fad5bd9cb469fa16570867728950e"), new("user", "user:alice")];
    }

    [Benchmark(Baseline = true, Description = "SHA-256 of the raw body")]
    public byte[] RawHash() => SHA256.HashData(Body);

    [Benchmark(Description = "CacheKey.Build (canonical JSON + SHA-256)")]
    public string Build() => CacheKey.Build(_callback, _request, _cacheBy, "s:session");
}
