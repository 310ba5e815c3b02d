using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace BackgroundCallbacks.Package.Tests.Infrastructure;

/// <summary>
/// A web app made as a user makes one: <c>dotnet new web</c> in a temporary folder, the packages referenced by
/// version from the packed folder (an extra restore source in the project file, no nuget.config), restored into a
/// packages folder of its own so that no other copy of this version (an older pack in the user's global folder) can
/// stand in, then built and run as a process on a free port of 127.0.0.1, stopped by its own process id.
/// </summary>
public sealed partial class FreshApp : IAsyncDisposable
{
    private readonly string _directory;
    private readonly StringBuilder _output = new();
    private Process? _process;

    private FreshApp(string directory) => _directory = directory;

    public Uri Address { get; private set; } = null!;

    /// <summary>Creates and builds the app, with <paramref name="program"/> as its Program.cs.</summary>
    public static async Task<FreshApp> CreateAsync(Packages packages, IEnumerable<string> packageIds, string program)
    {
        var app = new FreshApp(Directory.CreateTempSubdirectory("bgcb-fresh-app-").FullName);
        try
        {
            await app.BuildAsync(packages, packageIds, program);
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs the built app and waits until it says where it listens.</summary>
    public async Task StartAsync(IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = Command.Start("dotnet", _directory, Path.Combine(_directory, "bin", "Release", "net10.0", "FreshApp.dll"), "--urls", "http://127.0.0.1:0");
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        void Read(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (_output)
            {
                _output.AppendLine(line);
            }

            if (ListeningLine().Match(line) is { Success: true } match)
            {
                listening.TrySetResult(new Uri(match.Groups[1].Value));
            }
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => Read(e.Data);
        process.ErrorDataReceived += (_, e) => Read(e.Data);
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException($"The app exited before it listened. Its output:\n{Output}"));
        process.Start();
        _process = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            Address = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"The app did not listen within a minute. Its output:\n{Output}");
        }
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { } process)
        {
            _process = null;
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync();
            process.Dispose();
        }

        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary folder is harmless.
        }
    }

    private async Task BuildAsync(Packages packages, IEnumerable<string> packageIds, string program)
    {
        var minutes = TimeSpan.FromMinutes(5);
        await Command.RunAsync(Command.Start("dotnet", _directory, "new", "web", "--name", "FreshApp", "--output", ".", "--no-restore"), minutes);

        var projectFile = Path.Combine(_directory, "FreshApp.csproj");
        var project = XDocument.Load(projectFile);
        project.Root!.Add(
            new XElement("PropertyGroup",
                new XElement("RestoreAdditionalProjectSources", packages.Folder),
                new XElement("RestorePackagesPath", Path.Combine(_directory, ".packages"))),
            new XElement("ItemGroup",
                packageIds.Select(id => new XElement("PackageReference", new XAttribute("Include", id), new XAttribute("Version", $"[{Packages.Version}]")))));
        project.Save(projectFile);
        await File.WriteAllTextAsync(Path.Combine(_directory, "Program.cs"), program);

        await Command.RunAsync(Command.Start("dotnet", _directory, "build", "-c", "Release", "--disable-build-servers", "-nologo"), minutes);
    }

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningLine();
}
