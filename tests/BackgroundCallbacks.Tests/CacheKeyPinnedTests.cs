using System.Text.Json;
using BackgroundCallbacks.Caching;
using BackgroundCallbacks.Invocation;
using BackgroundCallbacks.Registry;

namespace BackgroundCallbacks.Tests;

/// <summary>
/// Keys are stored (Redis results outlive a deploy), so the way a key is built may change only when its output does not.
/// The expected keys were computed by the builder as it was before its buffers were pooled; the handler identity is
/// fixed here, since a compiled handler's IL hash differs between Debug and Release builds.
/// </summary>
public class CacheKeyPinnedTests
{
    private static CallbackDefinition Definition(bool ignoreTriggered, IReadOnlyList<bool> ignoredArguments, IReadOnlyList<bool> ignoredRequestValues) => new()
    {
        Id = "report.é/\"x\"",
        Manager = "default",
        Outputs = [],
        Arguments = [],
        Running = [],
        Progress = [],
        Cancel = [],
        Interval = 1000,
        PreventInitialCall = false,
        CacheBy = null,
        IgnoredArguments = ignoredArguments,
        CacheIgnoreTriggered = ignoreTriggered,
        IgnoredRequestValues = ignoredRequestValues,
        Expire = null,
        SharedResults = false,
        Retries = 0,
        Handler = null!,
        OnError = null,
        HandlerIdentity = "1|report|Reports::Run(Int32,JsonElement)String|0123456789abcdef",
    };

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement;

    [Fact]
    public void A_plain_invocation_keeps_its_key()
    {
        var callback = Definition(ignoreTriggered: true, [false, false], []);
        var request = new InvocationRequest([Json("3"), Json("""{"region":"emea","from":"2026-01-01","metrics":["revenue","units"]}""")], ["run.n_clicks"]);

        var key = CacheKey.Build(callback, request, [new("launch-id", "0f8fad5bd9cb469fa16570867728950e"), new("user", "user:alice")], "s:session");

        Assert.Equal("fc77d95a1c44064d326b69e8abb9a38ef638429341740f42cb94de25539f52ca", key);
    }

    [Fact]
    public void An_invocation_using_every_part_of_the_key_keeps_its_key()
    {
        var callback = Definition(ignoreTriggered: false, [false, true, false], [false, true, false]);
        var request = new InvocationRequest(
            [
                Json("""{"z":1.0,"a":[2.50,1e2,-0.0,12345678901234567890,1e300,1.5e-7],"\u00e9":"caf\u00e9","A":{"y":null,"x":true},"a":"dup"}"""),
                Json("\"ignored\""),
                Json("""[{"b":"\ud83d\ude00","a":"\ue000"},{"\ud83d\ude00":1,"\ue000":2}]"""),
            ],
            ["b.value", "a.n_clicks", "B.value"],
            Matches: new Dictionary<string, JsonElement> { ["index"] = Json("7"), ["Index"] = Json("""{"k":"v","j":[1]}""") },
            Ids: [Json("""[{"type":"row","index":1}]"""), Json("null"), Json("""[{"index":2,"type":"row"}]""")],
            RequestValues: [["de", "fr"], ["ignored"], null]);

        var key = CacheKey.Build(callback, request, [new("app", "v2"), new("nothing", null)], "u:ada", new CacheGeneration(2, 5));

        Assert.Equal("c3de781d4318fb39eadd55e6792919c0ee49aba544a1f235c1349e445392dfcb", key);
    }

    [Fact]
    public void An_object_with_many_properties_keeps_its_key()
    {
        var callback = Definition(ignoreTriggered: true, [false], []);
        var properties = Enumerable.Range(0, 40).Select(i => $"\"p{(i * 7) % 40}\":{{\"n\":{i},\"m\":[{i}.0]}}");
        var request = new InvocationRequest([Json("{" + string.Join(",", properties) + ",\"p3\":\"again\"}")], []);

        var key = CacheKey.Build(callback, request, [], null);

        Assert.Equal("20023334b3b4d946c08f9039869ba508b4c69fbae4af959a6c12e74e14aa43c6", key);
    }
}
