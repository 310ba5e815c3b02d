namespace BackgroundCallbacks.Redis.Tests.Infrastructure;

/// <summary>One command of a <see cref="RedisMonitor"/> feed: run by a script or sent by a client, its name and arguments.</summary>
public sealed record MonitoredCommand(bool FromScript, string Name, IReadOnlyList<string> Arguments);
