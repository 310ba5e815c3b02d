using System.Text;
using BenchmarkDotNet.Attributes;

namespace BackgroundCallbacks.Benchmarks;

/// <summary>
/// Row e of the Redis rows one request at a time, so BenchmarkDotNet's memory diagnoser gives the bytes of one hit:
/// the library's cache hit answered from Redis against the floor (a minimal-API endpoint doing one Redis GET of the
/// very bytes of the hit), in one process on one redis-server of the benchmark's own. Both sides count client and
/// server, as row e does. <c>--filter '*RedisHit*'</c>.
/// </summary>
[MemoryDiagnoser]
public class RedisHitBenchmarks
{
    private const string HitPath = "/_callbacks/callbacks/hit";

    private RedisServerProcess _redis = null!;
    private RedisBenchmarkHost _host = null!;
    private RedisBenchmarkClient _client = null!;
    private byte[] _hitBody = null!;

    [Params(1024)]
    public int ValueBytes { get; set; }

    [GlobalSetup]
    public async Task SetupAsync()
    {
        _redis = await RedisServerProcess.StartAsync();
        _host = await RedisBenchmarkHost.StartAsync(_redis.ConnectionString, ValueBytes, workers: null);
        _client = new RedisBenchmarkClient(_host.Address);
        _hitBody = RedisBenchmarkClient.Invocation("hit", 7);
        await _client.InvokeAsync("hit", 7);
        var hit = await _client.PostAsync(HitPath, _hitBody);
        if (!Encoding.UTF8.GetString(hit).Contains("\"cached\":true", StringComparison.Ordinal))
        {
            throw new InvalidOperationException("The second POST of 'hit' was not a cache hit.");
        }

        await _host.Database.StringSetAsync(RedisBenchmarkHost.FloorKey, hit);
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _client.Dispose();
        await _host.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Benchmark(Baseline = true, Description = "POST floor: one Redis GET")]
    public async Task<int> Floor() => (await _client.PostAsync("/floor", _hitBody)).Length;

    [Benchmark(Description = "POST invocation, cache hit on Redis")]
    public async Task<int> Hit() => (await _client.PostAsync(HitPath, _hitBody)).Length;
}
