using System.Collections.Frozen;
using System.Reflection;
using BackgroundCallbacks.Declarations;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace BackgroundCallbacks.Registry;

/// <summary>
/// Every callback of the application, validated once. Web and worker processes build the same registry, so a
/// handle created in one is run in the other.
/// </summary>
internal sealed class CallbackRegistry
{
    private readonly FrozenDictionary<string, CallbackDefinition> _callbacks;

    public CallbackRegistry(CallbackSources sources, IOptions<BackgroundCallbacksOptions> options, IHostEnvironment? environment = null)
    {
        var settings = options.Value;
        var problems = new List<string>();
        var declarations = new List<CallbackDeclaration>(sources.Declared);
        var assemblies = new List<Assembly>(sources.Assemblies);
        if (settings.ScanEntryAssembly && ApplicationAssembly.Of(environment) is { } entry && !assemblies.Contains(entry))
        {
            assemblies.Add(entry);
        }

        foreach (var assembly in assemblies.Distinct())
        {
            declarations.AddRange(Scan(assembly));
        }

        var serverSide = ServerSideOutputs.Of(declarations, sources.ValueStores, problems);
        var callbacks = new Dictionary<string, CallbackDefinition>(StringComparer.Ordinal);
        var compiled = new List<(string Source, CallbackDefinition Callback)>();
        foreach (var declaration in declarations)
        {
            var definition = CallbackCompiler.Compile(
                declaration, ManagerNames.Default, settings.SerializerOptions, serverSide, problems, settings.ConcurrencyGroups, settings.PreventInitialCallbacks);
            if (definition is null)
            {
                continue;
            }

            if (!callbacks.TryAdd(definition.Id, definition))
            {
                problems.Add($"The callback id '{definition.Id}' is declared twice.");
                continue;
            }

            compiled.Add((declaration.Source, definition));

            if (definition.Manager != ManagerNames.Default && !settings.Managers.ContainsKey(definition.Manager))
            {
                problems.Add($"{declaration.Source}: the manager '{definition.Manager}' is not configured; add it with AddManager(\"{definition.Manager}\", ...).");
            }

            foreach (var name in definition.CacheBy ?? [])
            {
                if (!sources.CacheByProviders.Contains(name))
                {
                    problems.Add($"{declaration.Source}: the cache-by provider '{name}' is not registered.");
                }
            }
        }

        DuplicateOutputs.Check(compiled, problems);
        foreach (var (name, manager) in settings.Managers)
        {
            foreach (var provider in manager.CacheBy ?? [])
            {
                if (!sources.CacheByProviders.Contains(provider))
                {
                    problems.Add($"The manager '{name}' names the cache-by provider '{provider}', which is not registered.");
                }
            }
        }

        foreach (var provider in settings.CacheBy ?? [])
        {
            if (!sources.CacheByProviders.Contains(provider))
            {
                problems.Add($"The default manager names the cache-by provider '{provider}', which is not registered.");
            }
        }

        if (problems.Count > 0)
        {
            throw new InvalidOperationException(
                "BackgroundCallbacks found problems in the callback declarations:" + Environment.NewLine + " - " +
                string.Join(Environment.NewLine + " - ", problems));
        }

        _callbacks = callbacks.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public IEnumerable<CallbackDefinition> All => _callbacks.Values;

    public bool TryGet(string id, out CallbackDefinition definition) => _callbacks.TryGetValue(id, out definition!);

    private static IEnumerable<CallbackDeclaration> Scan(Assembly assembly)
    {
        Type?[] types;
        try
        {
            types = assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            types = e.Types;
        }

        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;
        foreach (var type in types)
        {
            if (type is null || type.IsGenericTypeDefinition)
            {
                continue;
            }

            foreach (var method in type.GetMethods(all))
            {
                if (method.GetCustomAttribute<BackgroundCallbackAttribute>() is not { } settings)
                {
                    continue;
                }

                var declaration = new CallbackDeclaration(settings, method, target: null);
                declaration.Dependencies.AddRange(method.GetCustomAttributes<DependencyAttribute>(inherit: false));
                yield return declaration;
            }
        }
    }
}
