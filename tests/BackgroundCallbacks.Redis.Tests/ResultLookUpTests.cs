using System.Text;
using BackgroundCallbacks.Caching;
using BackgroundCallbacks.Redis.Tests.Infrastructure;

namespace BackgroundCallbacks.Redis.Tests;

/// <summary>
/// The lookup of a hit, which reads the generation and the value at once: it reads the key under the backend's prefix,
/// and follows an eviction to the key of the new generation.
/// </summary>
public sealed class ResultLookUpTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly TimeSpan Expiry = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task A_lookup_reads_the_value_stored_under_the_prefixed_key_of_the_generation()
    {
        await using var backend = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString, o => o.KeyPrefix = "lookup:");
        var callbackId = "cb-" + Guid.NewGuid().ToString("N");
        var stem = Guid.NewGuid().ToString("N");

        // The first lookup learns the generation; the second is the hot path, both reads at once.
        var first = await backend.Results.LookUpAsync(callbackId, stem, KeyFor, Expiry, None);
        Assert.Null(first.Outputs);
        await backend.Db.StringSetAsync("lookup:r:" + first.Key, "j[7]");
        var second = await backend.Results.LookUpAsync(callbackId, stem, KeyFor, Expiry, None);

        Assert.Equal(first.Key, second.Key);
        Assert.Equal("[7]", Text(second.Outputs));
    }

    [Fact]
    public async Task A_lookup_after_an_eviction_reads_the_key_of_the_new_generation_not_the_old_value()
    {
        await using var backend = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString, o => o.KeyPrefix = "lookup:");
        var callbackId = "cb-" + Guid.NewGuid().ToString("N");
        var stem = Guid.NewGuid().ToString("N");
        var before = await backend.Results.LookUpAsync(callbackId, stem, KeyFor, Expiry, None);
        await backend.Results.SetAsync(before.Key, "[1]", Expiry, None);

        await backend.Results.AdvanceAsync(callbackId, None);
        var after = await backend.Results.LookUpAsync(callbackId, stem, KeyFor, Expiry, None);

        Assert.NotEqual(before.Key, after.Key);
        Assert.Null(after.Outputs);
        await backend.Results.SetAsync(after.Key, "[2]", Expiry, None);
        Assert.Equal("[2]", Text((await backend.Results.LookUpAsync(callbackId, stem, KeyFor, Expiry, None)).Outputs));
    }

    private static string KeyFor(string stem, CacheGeneration generation) => $"{stem}:{generation.All}:{generation.Callback}";

    private static string? Text(ReadOnlyMemory<byte>? utf8) => utf8 is { } bytes ? Encoding.UTF8.GetString(bytes.Span) : null;
}
