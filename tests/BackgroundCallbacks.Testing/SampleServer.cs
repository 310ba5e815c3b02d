using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;

namespace BackgroundCallbacks.Testing;

/// <summary>
/// The sample app, started as its own process from its build output on 127.0.0.1 with a free port (Kestrel picks it;
/// the process prints it). Stopped by its process id when the tests end, also when they fail. The browser tests drive
/// it with Chromium, the .NET client's tests with the client.
/// </summary>
public sealed class SampleServer : IAsyncDisposable
{
    /// <summary>The factor the sample's handler delays are scaled by: a 2 s Dash example job takes 1 s here.</summary>
    public const double DelayScale = 0.5;

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private SampleServer(Process process) => _process = process;

    public Uri Address { get; private set; } = null!;

    /// <summary>The last lines the sample printed, for failure messages.</summary>
    public string RecentOutput => string.Join(Environment.NewLine, _output.TakeLast(60));

    /// <summary>Starts the web sample; <paramref name="environment"/> adds or overrides its settings (a Redis connection, say).</summary>
    public static Task<SampleServer> StartAsync(IReadOnlyDictionary<string, string>? environment = null) =>
        StartAsync(Metadata("SampleAssembly"), ["--urls", "http://127.0.0.1:0"], environment, ListeningOn);

    /// <summary>
    /// Starts the sample's worker process (samples/BackgroundCallbacks.Sample.Worker), which needs a Redis connection in
    /// <paramref name="environment"/>; it is ready once it has started its callback workers. It has no address.
    /// </summary>
    public static Task<SampleServer> StartWorkerAsync(IReadOnlyDictionary<string, string> environment) =>
        StartAsync(Metadata("SampleWorkerAssembly"), [], new Dictionary<string, string>(environment)
        {
            // The line that says the workers run is Information.
            ["Logging__LogLevel__BackgroundCallbacks"] = "Information",
        }, line => line.Contains("callback workers on backend", StringComparison.Ordinal) ? new Uri("about:worker") : null);

    private static Uri? ListeningOn(string line)
    {
        const string marker = "Now listening on: ";
        var at = line.IndexOf(marker, StringComparison.Ordinal);
        return at >= 0 ? new Uri(line[(at + marker.Length)..].Trim()) : null;
    }

    private static async Task<SampleServer> StartAsync(string assembly, string[] arguments, IReadOnlyDictionary<string, string>? environment, Func<string, Uri?> ready)
    {
        if (!File.Exists(assembly))
        {
            throw new InvalidOperationException($"The sample is not built: {assembly} is missing.");
        }

        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = Metadata("SampleDirectory"),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(assembly);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["DOTNET_ENVIRONMENT"] = "Development";
        start.Environment["Sample__DelayScale"] = DelayScale.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // HTTP/1.1 only, as most browsers meet a server: about six connections per host, shared by the tabs.
        start.Environment["Kestrel__EndpointDefaults__Protocols"] = "Http1";
        // A short heartbeat, so a test of a stream gone silent waits seconds (the client gives up after twice it and 5 s).
        start.Environment["BackgroundCallbacks__EventStreamHeartbeat"] = "00:00:02";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("The sample process did not start.");
        var server = new SampleServer(process);
        var started = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLine(object? sender, DataReceivedEventArgs e)
        {
            if (e.Data is not { } line)
            {
                return;
            }

            server._output.Enqueue(line);
            while (server._output.Count > 200)
            {
                server._output.TryDequeue(out _);
            }

            if (ready(line) is { } address)
            {
                started.TrySetResult(address);
            }
        }

        process.OutputDataReceived += OnLine;
        process.ErrorDataReceived += OnLine;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => started.TrySetException(new InvalidOperationException("The sample exited before it was ready:" + Environment.NewLine + server.RecentOutput));

        try
        {
            server.Address = await started.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20));
            }
        }
        catch (InvalidOperationException)
        {
            // it has already exited
        }
        finally
        {
            _process.Dispose();
        }
    }

    private static string Metadata(string key) =>
        typeof(SampleServer).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value!;
}
