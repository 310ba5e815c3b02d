using BackgroundCallbacks.Caching;
using BackgroundCallbacks.Redis.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace BackgroundCallbacks.Redis.Tests;

/// <summary>
/// The Redis stores behind Idempotency-Key and cache eviction, seen from two backends built apart (as two processes
/// build them) on one redis-server.
/// </summary>
public sealed class RedisIdempotencyAndGenerationTests(RedisFixture fixture) : IClassFixture<RedisFixture>
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Of_many_concurrent_reservations_from_two_backends_exactly_one_takes_the_key()
    {
        await using var one = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString);
        await using var two = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString);
        var key = Guid.NewGuid().ToString("N");

        var answers = await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            (i % 2 == 0 ? one : two).Backend.Idempotency.ReserveAsync(key, "r" + i, TimeSpan.FromMinutes(1), None).AsTask()));

        Assert.Single(answers, a => a is null);
        var winner = "r" + Array.IndexOf(answers, null);
        Assert.All(answers.Where(a => a is not null), a => Assert.Equal(winner, a));
        Assert.Equal(winner, (string?)await one.Db.StringGetAsync("bgcb:i:" + key));
    }

    [Fact]
    public async Task A_reservation_ends_with_its_hold_and_an_answer_lives_for_its_lifetime_in_Redis_itself()
    {
        await using var backend = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString);
        var store = backend.Backend.Idempotency;
        var key = Guid.NewGuid().ToString("N");
        await store.ReserveAsync(key, "pending", TimeSpan.FromMilliseconds(200), None);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (await backend.Db.KeyExistsAsync("bgcb:i:" + key))
        {
            Assert.True(DateTime.UtcNow < deadline, "Redis kept the reservation long after its hold.");
            await Task.Delay(20);
        }

        Assert.Null(await store.ReserveAsync(key, "again", TimeSpan.FromMinutes(1), None));
        await store.SetAsync(key, "answer", TimeSpan.FromHours(24), None);
        Assert.Equal("answer", await store.ReserveAsync(key, "third", TimeSpan.FromMinutes(1), None));
        Assert.InRange((await backend.Db.KeyTimeToLiveAsync("bgcb:i:" + key))!.Value, TimeSpan.FromHours(23.9), TimeSpan.FromHours(24));
        await store.RemoveAsync(key, None);
        Assert.False(await backend.Db.KeyExistsAsync("bgcb:i:" + key));
    }

    [Fact]
    public async Task Generations_advanced_by_one_backend_are_read_by_another_from_one_small_hash()
    {
        var prefix = "gen" + Guid.NewGuid().ToString("N")[..8] + ":";
        await using var one = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString, o => o.KeyPrefix = prefix);
        await using var two = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString, o => o.KeyPrefix = prefix);
        Assert.Equal(new CacheGeneration(0, 0), await two.Results.GenerationAsync("report", None));

        await one.Results.AdvanceAsync("report", None);
        Assert.Equal(new CacheGeneration(0, 1), await two.Results.GenerationAsync("report", None));
        Assert.Equal(new CacheGeneration(0, 0), await two.Results.GenerationAsync("other", None));

        await one.Results.AdvanceAsync(null, None);
        Assert.Equal(new CacheGeneration(1, 1), await two.Results.GenerationAsync("report", None));
        Assert.Equal(new CacheGeneration(1, 0), await two.Results.GenerationAsync("other", None));
        Assert.Equal(2, await one.Db.HashLengthAsync(prefix + "generations"));
    }

    [Fact]
    public async Task A_lookup_after_another_backend_evicted_misses_although_the_key_of_the_generation_seen_before_still_holds_a_value()
    {
        var prefix = "look" + Guid.NewGuid().ToString("N")[..8] + ":";
        await using var one = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString, o => o.KeyPrefix = prefix);
        await using var two = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString, o => o.KeyPrefix = prefix);
        static string KeyFor(string question, CacheGeneration generation) => Convert.ToHexStringLower(
            System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{question}|{generation.All}|{generation.Callback}")));
        var before = KeyFor("q", new CacheGeneration(0, 0));
        await one.Results.SetAsync(before, "[\"old\"]", TimeSpan.FromMinutes(10), None);

        // Seen once: this backend now asks for the value of the key it built with generation 0 while it reads the generation.
        var first = await two.Results.LookUpAsync("report", "q", KeyFor, TimeSpan.FromMinutes(10), None);
        await one.Results.AdvanceAsync("report", None);
        var afterEviction = await two.Results.LookUpAsync("report", "q", KeyFor, TimeSpan.FromMinutes(10), None);
        var after = KeyFor("q", new CacheGeneration(0, 1));
        await one.Results.SetAsync(after, "[\"new\"]", TimeSpan.FromMinutes(10), None);
        var refilled = await two.Results.LookUpAsync("report", "q", KeyFor, TimeSpan.FromMinutes(10), None);

        Assert.Equal(before, first.Key);
        Assert.Equal("[\"old\"]", System.Text.Encoding.UTF8.GetString(first.Outputs!.Value.Span));
        Assert.True(await one.Db.KeyExistsAsync(prefix + "r:" + before), "The old generation's value should still be stored, so the miss is the lookup's doing.");
        Assert.Equal(after, afterEviction.Key);
        Assert.Null(afterEviction.Outputs);
        Assert.Equal(after, refilled.Key);
        Assert.Equal("[\"new\"]", System.Text.Encoding.UTF8.GetString(refilled.Outputs!.Value.Span));
    }

    [Fact]
    public async Task A_key_evicted_through_one_backend_is_gone_for_another()
    {
        await using var one = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString);
        await using var two = await BackendHarness.CreateAsync(fixture.Redis.ConnectionString);
        var key = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        var kept = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        await one.Results.SetAsync(key, "[1]", TimeSpan.FromMinutes(10), None);
        await one.Results.SetAsync(kept, "[2]", TimeSpan.FromMinutes(10), None);

        await one.Services.GetRequiredService<ICallbackCache>().EvictAsync(key);

        Assert.Null(await two.Results.GetAsync(key, TimeSpan.FromMinutes(10), None));
        Assert.Equal("[2]"u8.ToArray(), (await two.Results.GetAsync(kept, TimeSpan.FromMinutes(10), None))?.ToArray());
    }
}
