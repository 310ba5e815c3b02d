namespace BackgroundCallbacks.LoadTest;

/// <summary>
/// A process the driver started (redis-server, or this program in a role): it keeps the last lines of its output and
/// the first of its warnings and errors, waits for the line that says it is ready, and is stopped by its own process
/// id, never by name.
/// </summary>
internal sealed class ChildProcess : IDisposable
{
    private const int TailLength = 200;
    private const int ProblemsKept = 30;

    private readonly Process _process;
    private readonly Func<string, bool> _isReady;
    private readonly Func<string, bool> _isProblem;
    private readonly Queue<string> _tail = new();
    private readonly List<string> _problems = [];
    private readonly Lock _lock = new();
    private readonly TaskCompletionSource<string> _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _problemCount;

    private ChildProcess(string name, Process process, Func<string, bool> isReady, Func<string, bool> isProblem)
    {
        Name = name;
        _process = process;
        _isReady = isReady;
        _isProblem = isProblem;
    }

    public string Name { get; }

    public int Pid { get; private set; }

    public bool HasExited => _process.HasExited;

    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    public int ProblemCount => Volatile.Read(ref _problemCount);

    public static ChildProcess Start(string name, string fileName, IEnumerable<string> arguments, Func<string, bool> isReady, Func<string, bool> isProblem)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start };
        var child = new ChildProcess(name, process, isReady, isProblem);
        process.OutputDataReceived += (_, e) => child.Add(e.Data, fromStderr: false);
        process.ErrorDataReceived += (_, e) => child.Add(e.Data, fromStderr: true);
        process.Start();
        child.Pid = process.Id;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Returns the ready line, or throws with the process's output when it exits or takes too long first.</summary>
    public async Task<string> WaitReadyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var exited = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var exit = _process.WaitForExitAsync(exited.Token);
        var first = await Task.WhenAny(_ready.Task, exit, Task.Delay(timeout, cancellationToken)).ConfigureAwait(false);
        await exited.CancelAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        if (first == _ready.Task)
        {
            return await _ready.Task.ConfigureAwait(false);
        }

        var what = first == exit ? $"exited with code {_process.ExitCode}" : $"was not ready within {timeout.TotalSeconds:0} s";
        throw new InvalidOperationException($"{Name} (process {Pid}) {what}. Its last output:\n{string.Join('\n', Tail(50))}");
    }

    /// <summary>The processor time it has used so far; null once it has exited.</summary>
    public TimeSpan? CpuTime()
    {
        try
        {
            return _process.HasExited ? null : _process.TotalProcessorTime;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    public IReadOnlyList<string> Tail(int lines)
    {
        lock (_lock)
        {
            return [.. _tail.Skip(Math.Max(0, _tail.Count - lines))];
        }
    }

    public IReadOnlyList<string> Problems()
    {
        lock (_lock)
        {
            return [.. _problems];
        }
    }

    /// <summary>Asks it to stop (SIGTERM to its pid), and kills that same process if it has not exited within the grace period.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return;
        }

        Posix.Signal(Pid, Posix.SigTerm);
        using var timeout = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Add($"(driver: not stopped within {grace.TotalSeconds:0} s of SIGTERM; killed)", fromStderr: true);
            try
            {
                _process.Kill();
            }
            catch (InvalidOperationException)
            {
                // It exited in between.
            }

            await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    public void Dispose() => _process.Dispose();

    /// <summary>Stops every process by its own pid, then removes the temporary directory they used (a leftover one is harmless).</summary>
    public static async Task StopAllAsync(IEnumerable<ChildProcess> processes, TimeSpan grace, DirectoryInfo directory)
    {
        foreach (var process in processes)
        {
            await process.StopAsync(grace);
            process.Dispose();
        }

        try
        {
            directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A leftover temporary directory is harmless.
        }
    }

    private void Add(string? line, bool fromStderr)
    {
        if (line is null)
        {
            return;
        }

        var kept = fromStderr ? "stderr| " + line : line;
        lock (_lock)
        {
            _tail.Enqueue(kept);
            if (_tail.Count > TailLength)
            {
                _tail.Dequeue();
            }

            if (fromStderr || _isProblem(line))
            {
                _problemCount++;
                if (_problems.Count < ProblemsKept)
                {
                    _problems.Add(kept);
                }
            }
        }

        if (_isReady(line))
        {
            _ready.TrySetResult(line);
        }
    }
}
