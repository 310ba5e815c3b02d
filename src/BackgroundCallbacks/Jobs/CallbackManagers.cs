using System.Collections.Frozen;
using BackgroundCallbacks.Registry;
using Microsoft.Extensions.Options;

namespace BackgroundCallbacks.Jobs;

/// <summary>The application's managers by name, each bound to its backend; the default one always exists.</summary>
internal sealed class CallbackManagers
{
    public const string DefaultQueue = "callbacks";

    private readonly FrozenDictionary<string, CallbackManager> _managers;

    public CallbackManagers(IOptions<BackgroundCallbacksOptions> options, ICallbackBackendProvider backends)
    {
        var managers = new Dictionary<string, CallbackManager>(StringComparer.Ordinal)
        {
            [ManagerNames.Default] = new(ManagerNames.Default, options.Value, options.Value.Queue ?? DefaultQueue, backends.GetBackend(ManagerNames.Default)),
        };
        foreach (var (name, settings) in options.Value.Managers)
        {
            managers[name] = new CallbackManager(name, settings, settings.Queue ?? name, backends.GetBackend(name));
        }

        _managers = managers.ToFrozenDictionary(StringComparer.Ordinal);
        Backends = _managers.Values.Select(m => m.Backend).Distinct().ToArray();
    }

    public IEnumerable<CallbackManager> All => _managers.Values;

    /// <summary>Every distinct backend of the managers.</summary>
    public IReadOnlyList<CallbackBackend> Backends { get; }

    public CallbackManager Get(string name) => _managers[name];

    /// <summary>The manager of this name; null for a name no manager of this app has (a handle this app did not make).</summary>
    public CallbackManager? Find(string name) => _managers.GetValueOrDefault(name);

    /// <summary>The cache-by providers that apply to a callback; null when its results are not cached.</summary>
    public IReadOnlyList<string>? CacheByOf(CallbackDefinition callback) => callback.CacheBy ?? Get(callback.Manager).CacheBy;
}
