using System.Globalization;
using System.Text.Json;
using BackgroundCallbacks.Declarations;
using BackgroundCallbacks.Invocation;
using BackgroundCallbacks.Registry;

namespace BackgroundCallbacks.Tests;

public class CacheKeyTests
{
    private static CallbackDefinition Compile(Delegate handler, string id = "cb", bool ignoreTriggered = false, object[]? ignore = null)
    {
        var settings = new BackgroundCallbackAttribute(id) { CacheIgnoreTriggered = ignoreTriggered, CacheArgsToIgnore = ignore };
        var declaration = new CallbackDeclaration(settings, handler.Method, handler.Target) { IsDelegate = true };
        declaration.Dependencies.Add(new OutputAttribute("out", "children"));
        declaration.Dependencies.Add(new InputAttribute("in", "value"));
        var problems = new List<string>();
        var definition = CallbackCompiler.Compile(declaration, "default", JsonSerializerOptions.Web, [], problems);
        Assert.Empty(problems);
        return definition!;
    }

    private static string Key(CallbackDefinition callback, string json, string[]? triggered = null) =>
        CacheKey.Build(callback, new InvocationRequest([JsonDocument.Parse(json).RootElement], triggered ?? []), [], owner: null);

    [Fact]
    public void The_key_is_a_SHA256_hex_digest()
    {
        var key = Key(Compile((JsonElement v) => v), "1");
        Assert.Matches("^[0-9a-f]{64}$", key);
    }

    [Fact]
    public void Object_property_order_does_not_change_the_key()
    {
        var callback = Compile((JsonElement v) => v);
        Assert.Equal(Key(callback, """{"a":1,"b":{"x":true,"y":null}}"""), Key(callback, """{"b":{"y":null,"x":true},"a":1}"""));
    }

    [Fact]
    public void Equal_numbers_written_differently_give_one_key_whatever_the_culture()
    {
        var callback = Compile((JsonElement v) => v);
        var previous = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
            var german = Key(callback, "[1.0, 2.50, 1e2]");
            CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
            Assert.Equal(german, Key(callback, "[1, 2.5, 100]"));
        }
        finally
        {
            CultureInfo.CurrentCulture = previous;
        }

        Assert.NotEqual(Key(callback, "[1]"), Key(callback, "[1.5]"));
    }

    [Fact]
    public void The_handlers_identity_the_callback_id_and_the_triggered_inputs_are_part_of_the_key()
    {
        var first = Compile((JsonElement v) => v);
        var second = Compile((JsonElement v) => v.ToString());
        var renamed = Compile((JsonElement v) => v, id: "other");

        Assert.NotEqual(first.HandlerIdentity, second.HandlerIdentity);
        Assert.NotEqual(Key(first, "1"), Key(second, "1"));
        Assert.NotEqual(Key(first, "1"), Key(renamed, "1"));
        Assert.NotEqual(Key(first, "1", ["in.value"]), Key(first, "1", []));
    }

    [Fact]
    public void Triggered_inputs_are_left_out_of_the_key_by_default()
    {
        Assert.True(new BackgroundCallbackAttribute("cb").CacheIgnoreTriggered);
        var callback = Compile((JsonElement v) => v, ignoreTriggered: true);
        Assert.Equal(Key(callback, "1", ["in.value"]), Key(callback, "1", []));
    }

    [Fact]
    public void Declared_request_values_are_part_of_the_key_unless_ignored_by_name()
    {
        var callback = Compile(([Microsoft.AspNetCore.Mvc.FromHeader(Name = "Accept-Language")] string? language, JsonElement v) => v);
        var ignoring = Compile(([Microsoft.AspNetCore.Mvc.FromHeader(Name = "Accept-Language")] string? language, JsonElement v) => v, ignore: ["language"]);
        string KeyFor(CallbackDefinition c, string[]? language) => CacheKey.Build(
            c, new InvocationRequest([JsonDocument.Parse("1").RootElement], [], RequestValues: [language]), [], owner: null);

        Assert.Equal(KeyFor(callback, ["de"]), KeyFor(callback, ["de"]));
        Assert.NotEqual(KeyFor(callback, ["de"]), KeyFor(callback, ["fr"]));
        Assert.NotEqual(KeyFor(callback, ["de"]), KeyFor(callback, null));
        Assert.Equal(KeyFor(ignoring, ["de"]), KeyFor(ignoring, ["fr"]));
    }

    [Fact]
    public void The_handler_identity_leaves_out_the_module_version_so_a_rebuild_alone_keeps_the_keys()
    {
        // What a rebuild does keep and change is in HandlerFingerprintTests and CacheAcrossRebuildTests.
        var callback = Compile((JsonElement v) => v);
        Assert.DoesNotContain(typeof(CacheKeyTests).Module.ModuleVersionId.ToString("N"), callback.HandlerIdentity, StringComparison.Ordinal);
    }
}
