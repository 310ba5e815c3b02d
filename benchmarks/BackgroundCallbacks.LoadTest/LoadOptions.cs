using System.Globalization;

namespace BackgroundCallbacks.LoadTest;

/// <summary>The driver's settings, from the command line.</summary>
internal sealed record LoadOptions
{
    /// <summary>The project's ruling for a load test's result to count: at least this many clients for at least this long.</summary>
    public const int RuledClients = 200;
    public const int RuledSeconds = 60;

    public int Clients { get; init; } = RuledClients;

    public int Seconds { get; init; } = RuledSeconds;

    /// <summary>How long, after the load stops, the jobs still followed get to reach a terminal state.</summary>
    public int DrainSeconds { get; init; } = 60;

    /// <summary>Null keeps the library's default WorkerCount in each worker process.</summary>
    public int? WorkersPerProcess { get; init; }

    /// <summary>How many values of "hit" are warmed before the load, and so answered from the cache during it.</summary>
    public int WarmValues { get; init; } = 20;

    public string? ReportPath { get; init; }

    /// <summary>Whether the processes share a three-shard Redis Cluster instead of one redis-server.</summary>
    public bool RedisCluster { get; init; }

    /// <summary>What the clients do: the browser-tab mix (the default) or only tiny jobs.</summary>
    public LoadMix Mix { get; init; } = LoadMix.Standard;

    public static LoadOptions From(IConfiguration configuration)
    {
        var defaults = new LoadOptions();
        return new LoadOptions
        {
            Clients = Read(configuration, "clients", 1) ?? defaults.Clients,
            Seconds = Read(configuration, "seconds", 1) ?? defaults.Seconds,
            DrainSeconds = Read(configuration, "drain-seconds", 1) ?? defaults.DrainSeconds,
            WorkersPerProcess = Read(configuration, "workers-per-process", 1),
            WarmValues = Read(configuration, "warm-values", 1) ?? defaults.WarmValues,
            ReportPath = configuration["report"] is { Length: > 0 } path ? path : null,
            RedisCluster = configuration["redis-cluster"] is { } cluster && (cluster.Length == 0 || bool.Parse(cluster)),
            Mix = configuration["mix"] switch
            {
                null or "" or "standard" => LoadMix.Standard,
                "tiny" => LoadMix.Tiny,
                var other => throw new FormatException($"--mix must be 'standard' or 'tiny', not '{other}'."),
            },
        };
    }

    private static int? Read(IConfiguration configuration, string key, int minimum)
    {
        var text = configuration[key];
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < minimum)
        {
            throw new FormatException($"--{key} must be a whole number of at least {minimum}, not '{text}'.");
        }

        return value;
    }
}
