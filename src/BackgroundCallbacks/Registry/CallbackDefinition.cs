using BackgroundCallbacks.Execution;

namespace BackgroundCallbacks.Registry;

/// <summary>A validated callback: everything the protocol, the invocation and the runner need to know of it.</summary>
internal sealed class CallbackDefinition
{
    // Asked on every invocation: worked out once.
    private bool? _hasServerSideOutputs;
    private bool? _hasReferences;

    public required string Id { get; init; }

    public required string Manager { get; init; }

    public required IReadOnlyList<DependencySpec> Outputs { get; init; }

    /// <summary>Inputs then state, in the order the client sends them.</summary>
    public required IReadOnlyList<ArgumentSpec> Arguments { get; init; }

    public required IReadOnlyList<RunningSpec> Running { get; init; }

    public required IReadOnlyList<ProgressSpec> Progress { get; init; }

    public required IReadOnlyList<DependencySpec> Cancel { get; init; }

    /// <summary>Whether the callback runs in the request rather than as a job.</summary>
    public bool Inline { get; init; }

    public required int Interval { get; init; }

    public required bool PreventInitialCall { get; init; }

    /// <summary>The callback's own cache-by provider names; null means the manager's.</summary>
    public required IReadOnlyList<string>? CacheBy { get; init; }

    /// <summary>For each argument, whether it is left out of the cache key.</summary>
    public required IReadOnlyList<bool> IgnoredArguments { get; init; }

    public required bool CacheIgnoreTriggered { get; init; }

    /// <summary>The request values the handler declares, in parameter order: captured on admission, bound on the worker.</summary>
    public IReadOnlyList<RequestValueTarget> RequestValues { get; init; } = [];

    /// <summary>For each request value, whether it is left out of the cache key.</summary>
    public IReadOnlyList<bool> IgnoredRequestValues { get; init; } = [];

    /// <summary>The callback's own sliding expiry; null means the manager's.</summary>
    public required TimeSpan? Expire { get; init; }

    public required bool SharedResults { get; init; }

    public required int Retries { get; init; }

    /// <summary>Where the callback's jobs wait and what limits them: its group, its own limits, or none.</summary>
    public CallbackLine Line { get; init; } = CallbackLine.Unlimited;

    /// <summary>The time limit of one run; null for none.</summary>
    public TimeSpan? Timeout { get; init; }

    public required HandlerInvoker Handler { get; init; }

    public required Func<Exception, CallbackContext, object?>? OnError { get; init; }

    /// <summary>Changes whenever the handler's code may have changed: part of every cache key.</summary>
    public required string HandlerIdentity { get; init; }

    public IReadOnlyList<ArgumentSpec> InputArguments => field ??= Arguments.Where(a => !a.IsState).ToArray();

    public IReadOnlyList<ArgumentSpec> StateArguments => field ??= Arguments.Where(a => a.IsState).ToArray();

    /// <summary>What each argument binds to, in the binder's terms.</summary>
    public IReadOnlyList<ArgumentTarget> ArgumentTargets => field ??= Arguments.Select(a => new ArgumentTarget(a.ParameterType, $"{a.Dependency} ('{a.Name}')", a.IsReference)).ToArray();

    /// <summary>Whether any output stays on the server.</summary>
    public bool HasServerSideOutputs => _hasServerSideOutputs ??= Outputs.Any(o => o.Store is not null);

    /// <summary>Whether any argument arrives as a server-side reference.</summary>
    public bool HasReferences => _hasReferences ??= Arguments.Any(a => a.IsReference);

    public IReadOnlyList<DependencySpec> ProgressOutputs => field ??= Progress.Select(p => p.Dependency).ToArray();
}
