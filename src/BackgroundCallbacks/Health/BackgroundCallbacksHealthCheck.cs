using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Registry;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace BackgroundCallbacks.Health;

/// <summary>
/// Reports each backend (its job state and results answer) and, for each queue the registered callbacks use, whether
/// a worker serving it is alive in any process (its server's heartbeat, from the queue's shared storage). A backend that
/// does not answer is the registration's failure status; a queue with no live worker is degraded: invocations are still
/// admitted, and their jobs wait until a worker comes. Every call is asynchronous or offloaded, and bounded by the
/// timeout; a storage call that is still running is shared by the next checks rather than started again.
/// </summary>
internal sealed class BackgroundCallbacksHealthCheck(CallbackManagers managers, CallbackRegistry registry, TimeProvider time, TimeSpan timeout) : IHealthCheck
{
    private readonly Lock _gate = new();
    private readonly Dictionary<CallbackBackend, Task<IReadOnlyList<WorkerServer>>> _listing = [];

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var queuesByBackend = QueuesByBackend();
        var checks = managers.Backends
            .Select(backend => CheckBackendAsync(backend, queuesByBackend.GetValueOrDefault(backend) ?? [], cancellationToken))
            .ToArray();
        var reports = await Task.WhenAll(checks).ConfigureAwait(false);

        var data = new Dictionary<string, object>(StringComparer.Ordinal);
        var problems = new List<string>();
        var idleQueues = new List<string>();
        foreach (var report in reports)
        {
            foreach (var (key, value) in report.Data)
            {
                data[key] = value;
            }

            problems.AddRange(report.Problems);
            idleQueues.AddRange(report.IdleQueues);
        }

        if (problems.Count > 0)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, string.Join(" ", problems.Concat(IdleText(idleQueues))), data: data);
        }

        return idleQueues.Count > 0
            ? HealthCheckResult.Degraded(string.Join(" ", IdleText(idleQueues)), data: data)
            : HealthCheckResult.Healthy("Every backend answers and every queue has a live worker.", data);
    }

    private static IEnumerable<string> IdleText(List<string> queues) =>
        queues.Count == 0 ? [] : [$"No live worker serves queue {string.Join(", ", queues.Select(q => $"'{q}'"))}."];

    /// <summary>The queues of the callbacks that run as jobs (inline ones need none), by the backend that holds them.</summary>
    private Dictionary<CallbackBackend, string[]> QueuesByBackend() =>
        registry.All
            .Where(c => !c.Inline)
            .Select(c => managers.Get(c.Manager))
            .GroupBy(m => m.Backend)
            .ToDictionary(g => g.Key, g => g.Select(m => m.Queue).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray());

    private async Task<BackendReport> CheckBackendAsync(CallbackBackend backend, string[] queues, CancellationToken cancellationToken)
    {
        var report = new BackendReport();
        var store = backend.ProbeAsync(cancellationToken);
        Observe(store);
        var servers = queues.Length == 0 ? Task.FromResult<IReadOnlyList<WorkerServer>>([]) : ListServersAsync(backend);

        var storeError = await FailureOf(store, cancellationToken).ConfigureAwait(false);
        report.Data[$"backend:{backend.Name}"] = storeError ?? "answering";
        if (storeError is not null)
        {
            report.Problems.Add($"The {backend.Name} backend does not answer: {storeError}");
        }

        var listError = await FailureOf(servers, cancellationToken).ConfigureAwait(false);
        if (listError is not null)
        {
            report.Problems.Add($"The {backend.Name} backend's queue storage does not answer: {listError}");
        }

        var now = time.GetUtcNow();
        foreach (var queue in queues)
        {
            if (listError is not null)
            {
                report.Data[$"queue:{queue}"] = new Dictionary<string, object> { ["backend"] = backend.Name, ["alive"] = "unknown" };
                continue;
            }

            var alive = servers.Result.Where(s => s.IsAlive(now) && s.Queues.Contains(queue, StringComparer.Ordinal)).ToArray();
            var queueData = new Dictionary<string, object>(StringComparer.Ordinal)
            {
                ["backend"] = backend.Name,
                ["alive"] = alive.Length > 0,
                ["servers"] = alive.Length,
                ["workers"] = alive.Sum(s => s.Workers),
            };
            if (alive.Select(s => s.Heartbeat).Max() is { } heartbeat)
            {
                queueData["lastHeartbeat"] = heartbeat;
            }

            report.Data[$"queue:{queue}"] = queueData;
            if (alive.Length == 0)
            {
                report.IdleQueues.Add(queue);
            }
        }

        return report;
    }

    /// <summary>The backend's listing of servers: the one still running if there is one, else a new one.</summary>
    private Task<IReadOnlyList<WorkerServer>> ListServersAsync(CallbackBackend backend)
    {
        lock (_gate)
        {
            if (_listing.TryGetValue(backend, out var running) && !running.IsCompleted)
            {
                return running;
            }

            // Not the caller's token: the listing may outlive this check and serve the next one.
            var listing = backend.Queue.ListServersAsync(CancellationToken.None);
            Observe(listing);
            _listing[backend] = listing;
            return listing;
        }
    }

    /// <summary>A call that fails after its check gave up on it is still observed, so its failure is not reported again.</summary>
    private static void Observe(Task task) =>
        task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    /// <summary>Null when <paramref name="task"/> succeeded within the timeout; else what went wrong, in a few words.</summary>
    private async Task<string?> FailureOf(Task task, CancellationToken cancellationToken)
    {
        try
        {
            await task.WaitAsync(timeout, time, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (TimeoutException)
        {
            return $"no answer within {timeout.TotalSeconds:0.###} s.";
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return e.Message;
        }
    }

    private sealed class BackendReport
    {
        public Dictionary<string, object> Data { get; } = new(StringComparer.Ordinal);

        public List<string> Problems { get; } = [];

        public List<string> IdleQueues { get; } = [];
    }
}
