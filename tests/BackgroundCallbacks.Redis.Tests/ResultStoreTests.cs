using System.Text;
using BackgroundCallbacks.Redis.Tests.Infrastructure;
using StackExchange.Redis;

namespace BackgroundCallbacks.Redis.Tests;

/// <summary>The result cache in Redis: prefixed keys, compact values, and sliding expiry that Redis itself keeps.</summary>
public sealed class ResultStoreTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task A_result_is_stored_under_the_key_prefix_and_read_back()
    {
        await using var backend = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString, o => o.KeyPrefix = "myapp:");
        var key = NewKey();

        await backend.Results.SetAsync(key, """[{"id":"out","property":"children","value":"é"}]""", TimeSpan.FromMinutes(1), None);

        Assert.True(await backend.Db.KeyExistsAsync("myapp:r:" + key));
        Assert.Equal("""[{"id":"out","property":"children","value":"é"}]""", Text(await backend.Results.GetAsync(key, TimeSpan.FromMinutes(1), None)));
        Assert.Null(await backend.Results.GetAsync(NewKey(), TimeSpan.FromMinutes(1), None));
    }

    [Fact]
    public async Task A_read_restarts_the_expiry_in_Redis_itself()
    {
        await using var backend = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString);
        var key = NewKey();
        RedisKey redisKey = "bgcb:r:" + key;
        await backend.Results.SetAsync(key, "[1]", TimeSpan.FromMinutes(10), None);

        // Most of the entry's life is used up, as if it had not been read for a long while.
        await backend.Db.KeyExpireAsync(redisKey, TimeSpan.FromSeconds(2));
        await backend.Results.GetAsync(key, TimeSpan.FromMinutes(10), None);

        Assert.InRange((await backend.Db.KeyTimeToLiveAsync(redisKey))!.Value, TimeSpan.FromMinutes(9.9), TimeSpan.FromMinutes(10));
    }

    [Fact]
    public async Task A_result_not_read_within_its_expiry_is_removed_by_Redis()
    {
        await using var backend = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString);
        var key = NewKey();
        await backend.Results.SetAsync(key, "[1]", TimeSpan.FromMilliseconds(200), None);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (await backend.Db.KeyExistsAsync("bgcb:r:" + key))
        {
            Assert.True(DateTime.UtcNow < deadline, "Redis kept the result long after its expiry.");
            await Task.Delay(50);
        }

        Assert.Null(await backend.Results.GetAsync(key, TimeSpan.FromMilliseconds(200), None));
    }

    [Fact]
    public async Task A_large_result_is_stored_compressed_and_read_back_whole()
    {
        await using var backend = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString);
        var key = NewKey();
        var rows = string.Join(",", Enumerable.Range(0, 2000).Select(i => $$"""{"x":{{i}},"y":{{i * i % 97}},"label":"point"}"""));
        var outputs = $$$"""[{"id":"graph","property":"figure","value":{"data":[{{{rows}}}]}}]""";

        await backend.Results.SetAsync(key, outputs, TimeSpan.FromMinutes(1), None);
        var stored = await backend.Db.StringLengthAsync("bgcb:r:" + key);

        Assert.True(stored * 4 < Encoding.UTF8.GetByteCount(outputs), $"{stored} bytes stored for {Encoding.UTF8.GetByteCount(outputs)} bytes of JSON.");
        Assert.Equal(outputs, Text(await backend.Results.GetAsync(key, TimeSpan.FromMinutes(1), None)));
    }

    [Fact]
    public async Task A_removed_result_is_a_miss()
    {
        await using var backend = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString);
        var key = NewKey();
        await backend.Results.SetAsync(key, "[1]", TimeSpan.FromMinutes(1), None);

        await backend.Results.RemoveAsync(key, None);

        Assert.Null(await backend.Results.GetAsync(key, TimeSpan.FromMinutes(1), None));
    }

    [Fact]
    public async Task Results_live_in_their_own_Redis_when_one_is_configured()
    {
        await using var resultsRedis = await RedisServer.StartAsync();
        await using var backend = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString, o => o.ResultsConnectionString = resultsRedis.ConnectionString);
        await using var resultsInspector = await ConnectionMultiplexer.ConnectAsync(resultsRedis.ConnectionString);
        var key = NewKey();

        await backend.Results.SetAsync(key, "[1]", TimeSpan.FromMinutes(1), None);

        Assert.True(await resultsInspector.GetDatabase().KeyExistsAsync("bgcb:r:" + key));
        Assert.False(await backend.Db.KeyExistsAsync("bgcb:r:" + key));
        Assert.Equal("[1]", Text(await backend.Results.GetAsync(key, TimeSpan.FromMinutes(1), None)));
    }

    private static string? Text(ReadOnlyMemory<byte>? utf8) => utf8 is { } bytes ? Encoding.UTF8.GetString(bytes.Span) : null;

    private static string NewKey() => Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
}
