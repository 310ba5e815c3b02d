// A load test over real processes: one redis-server, one web process and two worker processes, all but Redis being
// this same program started with a role. Without a role (or with --role=run) it is the driver that starts them, loads
// the web process with many clients and reports. See benchmarks/load/run.sh.
//   dotnet BackgroundCallbacks.LoadTest.dll [--clients=200] [--seconds=60] [--workers-per-process=N] [--redis-cluster=true] [--mix=standard|tiny] [--report=path]
// With --role=stream it runs the event stream benchmark instead (StreamBenchmark.cs, benchmarks/stream/run.sh), with
// --role=fanout the change fan-out benchmark (FanOutBenchmark.cs).
using BackgroundCallbacks.LoadTest;

var configuration = new ConfigurationBuilder().AddCommandLine(args).Build();
switch (configuration["role"])
{
    case "web":
        return await ServerRoles.RunWebAsync(args);
    case "worker":
        return await ServerRoles.RunWorkerAsync(args);
    case "stream":
        return await StreamBenchmark.RunAsync(configuration);
    case "fanout":
        return await FanOutBenchmark.RunAsync(configuration);
    case "latency":
        return await LatencyBenchmark.RunAsync(configuration, args);
    case null or "" or "run":
        LoadOptions options;
        try
        {
            options = LoadOptions.From(configuration);
        }
        catch (FormatException e)
        {
            await Console.Error.WriteLineAsync(e.Message);
            return 2;
        }

        return await LoadDriver.RunAsync(options);
    case var other:
        await Console.Error.WriteLineAsync($"Unknown role '{other}': pass --role=run (the default), stream, web or worker.");
        return 2;
}
