using BackgroundCallbacks.Declarations;

namespace BackgroundCallbacks.Registry;

/// <summary>
/// The application's server-side outputs, gathered before callbacks are compiled: whether an input or state takes a
/// reference depends on every callback's outputs, not only its own.
/// </summary>
internal static class ServerSideOutputs
{
    /// <summary>The store a server-side output uses when it names none; it always exists.</summary>
    public const string DefaultStore = "default";

    public static IReadOnlyList<DependencySpec> Of(IEnumerable<CallbackDeclaration> declarations, IReadOnlySet<string> stores, List<string> problems)
    {
        var serverSide = new List<DependencySpec>();
        var plain = new List<(DependencySpec Spec, string Source)>();
        foreach (var declaration in declarations)
        {
            foreach (var output in declaration.Dependencies.OfType<OutputAttribute>())
            {
                if (string.IsNullOrWhiteSpace(output.ComponentId) || string.IsNullOrWhiteSpace(output.Property))
                {
                    continue;
                }

                DependencySpec spec;
                try
                {
                    spec = new DependencySpec(output.ComponentId, output.Property);
                }
                catch (FormatException)
                {
                    // The compiler reports it.
                    continue;
                }

                if (!output.ServerSide)
                {
                    plain.Add((spec, declaration.Source));
                    continue;
                }

                var store = output.Store ?? DefaultStore;
                if (!stores.Contains(store))
                {
                    problems.Add($"{declaration.Source}: the output {spec} goes to the store '{store}', which is not registered; add it with AddMemoryValueStore, AddFileSystemValueStore or AddRedisValueStore.");
                }

                serverSide.Add(spec with { Store = store });
            }
        }

        // A property holds either references or values: a reader could not tell which it was sent.
        foreach (var (spec, source) in plain)
        {
            if (serverSide.FirstOrDefault(s => ComponentPatterns.Overlap(s, spec)) is { } other)
            {
                problems.Add($"{source}: the output {spec} is a plain output here but {other} is a server-side output of another callback; a property holds one or the other.");
            }
        }

        return serverSide;
    }
}
