using System.Reflection;
using BackgroundCallbacks.Declarations;

namespace BackgroundCallbacks.Registry;

/// <summary>Where callbacks come from, as the builder collected them: assemblies to scan and fluent registrations.</summary>
internal sealed class CallbackSources
{
    public List<Assembly> Assemblies { get; } = [];

    public List<CallbackDeclaration> Declared { get; } = [];

    /// <summary>The names of every cache-by provider registered, built in or added.</summary>
    public HashSet<string> CacheByProviders { get; } = new(StringComparer.Ordinal);

    /// <summary>The names of every store of server-side values registered, the default included.</summary>
    public HashSet<string> ValueStores { get; } = new(StringComparer.Ordinal) { ServerSideOutputs.DefaultStore };
}
