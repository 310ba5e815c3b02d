using StackExchange.Redis;

namespace BackgroundCallbacks.Benchmarks;

/// <summary>
/// The job of the hand-written baseline (issue 13, point 3): what a user writes with Hangfire alone to get progress and
/// a result to a polling client: each step and then the result go to one Redis hash per job, which GET /hand/status reads.
/// </summary>
public static class HandWrittenJob
{
    internal static IDatabase Redis { get; set; } = null!;

    internal static RedisKey Key(string id) => $"hand:{id}";

    /// <summary>Reports <paramref name="steps"/> progress steps, then stores the result. Public: Hangfire runs only public methods.</summary>
    public static async Task RunAsync(string id, int steps, int n)
    {
        var key = Key(id);
        for (var step = 1; step <= steps; step++)
        {
            await Redis.HashSetAsync(key, [new("status", "running"), new("progress", $"step {step}/{steps}")]);
        }

        await Redis.HashSetAsync(key, [new("status", "done"), new("result", $"{n}")]);
    }
}
