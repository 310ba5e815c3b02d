using System.Collections.Frozen;
using BackgroundCallbacks.Registry;
using Hangfire.Common;
using Microsoft.Extensions.Options;

namespace BackgroundCallbacks.Jobs;

/// <summary>The application's managers by name, each bound to its backend; the default one always exists.</summary>
internal sealed class CallbackManagers
{
    public const string DefaultQueue = "callbacks";

    private readonly FrozenDictionary<string, CallbackManager> _managers;

    public CallbackManagers(IOptions<BackgroundCallbacksOptions> options, ICallbackBackendProvider backends)
    {
        Filters = HangfireFilters.Create();
        var queues = new Dictionary<CallbackBackend, IJobQueue>();
        var managers = new Dictionary<string, CallbackManager>(StringComparer.Ordinal);
        void Add(string name, CallbackManagerOptions settings, string defaultQueue)
        {
            var backend = backends.GetBackend(name);
            if (!queues.TryGetValue(backend, out var queue))
            {
                queues[backend] = queue = new HangfireJobQueue(backend.Storage, Filters);
            }

            managers[name] = new CallbackManager(name, settings, settings.Queue ?? defaultQueue, backend, queue);
        }

        Add(ManagerNames.Default, options.Value, DefaultQueue);
        foreach (var (name, settings) in options.Value.Managers)
        {
            Add(name, settings, name);
        }

        _managers = managers.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public JobFilterCollection Filters { get; }

    public IEnumerable<CallbackManager> All => _managers.Values;

    public CallbackManager Get(string name) => _managers[name];

    /// <summary>Finds the manager a handle belongs to; null for a handle no manager of this app could have made.</summary>
    public CallbackManager? ForHandle(string handle) =>
        JobHandles.TryParse(handle, out var manager) && _managers.TryGetValue(manager, out var found) ? found : null;
}
