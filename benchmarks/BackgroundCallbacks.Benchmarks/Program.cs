using BenchmarkDotNet.Running;
using Microsoft.Extensions.Hosting;

namespace BackgroundCallbacks.Benchmarks;

public static class Program
{
    /// <summary>
    /// <c>serve [port]</c> runs the benchmark server for an HTTP load tool (benchmarks/http/run.sh); <c>serverside</c> runs
    /// the server-side outputs benchmark (benchmarks/serverside/run.sh); <c>redis</c> the
    /// Redis rows of issue 13 (benchmarks/redis/run.sh); <c>upload</c> the uploads benchmark
    /// (benchmarks/upload/run.sh, which starts <c>upload-server</c> children); <c>mcp</c> runs <see cref="McpBenchmarks"/> with
    /// BenchmarkDotNet, the arguments after it passed on (<c>mcp --job short</c>); anything else is handed to BenchmarkDotNet
    /// (for example <c>--filter '*'</c>).
    /// </summary>
    public static async Task Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "serve")
        {
            var (app, address) = await BenchmarkServer.StartAsync(args.Length > 1 ? int.Parse(args[1]) : 5080);
            Console.WriteLine($"listening on {address}");
            await app.WaitForShutdownAsync();
            return;
        }

        if (args.Length > 0 && args[0] == "serverside")
        {
            await ServerSideBenchmark.RunAsync(args[1..]);
            return;
        }

        if (args.Length > 0 && args[0] == "redis")
        {
            await RedisBenchmark.RunAsync(args[1..]);
            return;
        }

        if (args.Length > 0 && args[0] == "upload")
        {
            await UploadBenchmark.RunAsync(args[1..]);
            return;
        }

        if (args.Length > 0 && args[0] == "upload-server")
        {
            await UploadBenchmark.ServeAsync(args[1..]);
            return;
        }

        if (args.Length > 0 && args[0] == "mcp")
        {
            BenchmarkRunner.Run<McpBenchmarks>(args: args[1..]);
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
