using System.Reflection;
using System.Text.Json;
using BackgroundCallbacks.Execution;
using BackgroundCallbacks.Mcp.Diagnostics;
using BackgroundCallbacks.Registry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace BackgroundCallbacks.Mcp.Tools;

/// <summary>
/// Which callbacks are tools and what each tool looks like, worked out once from the registry. A callback the app
/// opted in by name or attribute that cannot be a tool stops the app at startup with the reason; one that only
/// <see cref="McpCallbacksOptions.ExposeAllCallbacks"/> would expose is left out with a log line.
/// </summary>
internal sealed class ToolCatalog
{
    private readonly Dictionary<string, ToolDescription> _byName = new(StringComparer.Ordinal);

    public ToolCatalog(CallbackRegistry registry, IOptions<BackgroundCallbacksOptions> options, IOptions<McpCallbacksOptions> mcpOptions, ILogger<ToolCatalog> logger)
    {
        var mcp = mcpOptions.Value;
        var schemas = new ToolSchemas(options.Value.SerializerOptions);
        var problems = new List<string>();
        foreach (var callback in registry.All.OrderBy(c => c.Id, StringComparer.Ordinal))
        {
            var attribute = callback.Handler.Method.GetCustomAttribute<McpToolAttribute>();
            var optedIn = attribute is not null || mcp.Callbacks.Contains(callback.Id);
            if (mcp.ExcludedCallbacks.Contains(callback.Id) || (!optedIn && !mcp.ExposeAllCallbacks))
            {
                continue;
            }

            if (LeftOutBecause(callback, registry) is { } reason)
            {
                if (optedIn)
                {
                    problems.Add($"Callback '{callback.Id}' cannot be an MCP tool: {reason}.");
                }
                else
                {
                    Log.ToolLeftOut(logger, callback.Id, reason);
                }

                continue;
            }

            var tool = Describe(callback, attribute?.Description, schemas, out var conflict);
            if (conflict is not null)
            {
                if (optedIn)
                {
                    problems.Add($"Callback '{callback.Id}' cannot be an MCP tool: {conflict}.");
                }
                else
                {
                    Log.ToolLeftOut(logger, callback.Id, conflict);
                }

                continue;
            }

            _byName.Add(tool!.Name, tool);
        }

        foreach (var id in mcp.Callbacks.Where(id => !registry.TryGet(id, out _)))
        {
            problems.Add($"McpCallbacksOptions.Callbacks names '{id}', which is not a callback.");
        }

        if (problems.Count > 0)
        {
            throw new InvalidOperationException(string.Join(Environment.NewLine, problems));
        }
    }

    public IReadOnlyCollection<ToolDescription> Tools => _byName.Values;

    /// <summary>Why a callback cannot be a tool, or null when it can.</summary>
    private static string? LeftOutBecause(CallbackDefinition callback, CallbackRegistry registry)
    {
        if (callback.Arguments.Any(a => a.IsFile))
        {
            return "it takes an uploaded file, which an agent cannot send";
        }

        if (callback.Arguments.Any(a => a.IsReference))
        {
            return "it takes a server-side value as an argument, which tool calls do not carry yet";
        }

        if (callback.Handler.Parameters.Any(p => p.Kind == ParameterKind.Response))
        {
            return "it sets cookies or headers on its HTTP answer, which a tool call does not have";
        }

        // A callback whose every input is another callback's cancel button answers that click in a page: without the
        // page there is nothing for it to do.
        var cancels = registry.All.Where(c => c != callback).SelectMany(c => c.Cancel).Select(d => d.Key).ToHashSet(StringComparer.Ordinal);
        var inputs = callback.InputArguments;
        if (inputs.Count > 0 && inputs.All(a => cancels.Contains(a.Dependency.Key)))
        {
            return "it only answers a page's cancel button";
        }

        return null;
    }

    private static ToolDescription? Describe(CallbackDefinition callback, string? description, ToolSchemas schemas, out string? conflict)
    {
        conflict = null;
        var method = callback.Handler.Method;
        var methodParameters = method.GetParameters();
        var nullability = new NullabilityInfoContext();
        var matchKeys = new List<string>();
        foreach (var dependency in callback.Arguments.Select(a => a.Dependency).Concat(callback.Outputs))
        {
            foreach (var key in WildcardKeys(dependency, "MATCH"))
            {
                if (!matchKeys.Contains(key))
                {
                    matchKeys.Add(key);
                }
            }
        }

        var names = new HashSet<string>(matchKeys, StringComparer.Ordinal);
        var parameters = new List<ToolParameter>();
        foreach (var argument in callback.Arguments)
        {
            // A declared trigger says "run now" whatever its property, which the tool call says by being made.
            if (argument.IsTrigger || IsCounter(argument.Dependency.Property))
            {
                parameters.Add(new ToolParameter(argument, ToolParameterKind.Trigger, argument.Name, Required: false, []));
                continue;
            }

            if (!names.Add(argument.Name))
            {
                conflict = $"two of its tool arguments would be named '{argument.Name}'";
                return null;
            }

            var kind = argument.Dependency.Kind == PatternKind.All ? ToolParameterKind.All : ToolParameterKind.Value;
            var index = callback.Handler.Parameters.ToList().FindIndex(p => p.Kind == ParameterKind.Argument && p.ArgumentPosition == argument.Position);
            var required = kind == ToolParameterKind.Value && !argument.Dependency.Optional && index >= 0 && IsRequired(methodParameters[index], nullability);
            parameters.Add(new ToolParameter(argument, kind, argument.Name, required, kind == ToolParameterKind.All ? WildcardKeys(argument.Dependency, "ALL") : []));
        }

        var outputs = OutputNames(callback.Outputs);
        return new ToolDescription(
            callback,
            ToolNames.For(callback.Id),
            !string.IsNullOrWhiteSpace(description) ? description : HandlerDocs.SummaryOf(method) is { Length: > 0 } summary ? summary : DefaultDescription(callback, outputs),
            parameters,
            matchKeys,
            outputs,
            schemas.Input(parameters, matchKeys),
            schemas.Output(outputs, method));
    }

    /// <summary>
    /// Dash's click counters and timestamps (<c>n_clicks</c>, <c>n_submit</c>, <c>n_clicks_timestamp</c>, <c>n_intervals</c>…)
    /// all start with <c>n_</c>: they say that something happened, which a tool call says by being made.
    /// </summary>
    public static bool IsCounter(string property) => property.StartsWith("n_", StringComparison.Ordinal);

    public static bool IsTimestamp(string property) => property.EndsWith("_timestamp", StringComparison.Ordinal);

    private static bool IsRequired(ParameterInfo parameter, NullabilityInfoContext nullability)
    {
        if (parameter.HasDefaultValue || Nullable.GetUnderlyingType(parameter.ParameterType) is not null)
        {
            return false;
        }

        return parameter.ParameterType.IsValueType || nullability.Create(parameter).ReadState != NullabilityState.Nullable;
    }

    private static List<string> WildcardKeys(DependencySpec dependency, string wildcard)
    {
        if (dependency.Kind == PatternKind.None || !ComponentPatterns.TryParse(dependency.ComponentId, out var pattern))
        {
            return [];
        }

        return pattern.EnumerateObject()
            .Where(p => p.Value.ValueKind == JsonValueKind.String && p.Value.GetString() == wildcard)
            .Select(p => p.Name)
            .ToList();
    }

    private static List<ToolOutput> OutputNames(IReadOnlyList<DependencySpec> outputs)
    {
        var result = new List<ToolOutput>(outputs.Count);
        var taken = new HashSet<string>(StringComparer.Ordinal);
        foreach (var output in outputs)
        {
            var name = output.Kind == PatternKind.None ? output.Key : FixedPart(output) + "." + output.Property;
            var unique = name;
            for (var n = 2; !taken.Add(unique); n++)
            {
                unique = name + "-" + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            result.Add(new ToolOutput(unique, output));
        }

        return result;
    }

    /// <summary>A pattern id named by the values of its fixed keys, <c>{"type":"row-result","index":"MATCH"}</c> as <c>row-result</c>.</summary>
    private static string FixedPart(DependencySpec output)
    {
        if (!ComponentPatterns.TryParse(output.ComponentId, out var pattern))
        {
            return output.ComponentId;
        }

        var parts = pattern.EnumerateObject()
            .Where(p => !(p.Value.ValueKind == JsonValueKind.String && p.Value.GetString() is "MATCH" or "ALL" or "ALLSMALLER"))
            .Select(p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText());
        return string.Join("-", parts);
    }

    private static string DefaultDescription(CallbackDefinition callback, IReadOnlyList<ToolOutput> outputs)
    {
        var what = $"Runs the '{callback.Id}' callback and returns {string.Join(", ", outputs.Select(o => o.Name))}.";
        return callback.Inline
            ? what
            : what + " It runs as a background job: send a progressToken to receive its progress.";
    }

    public bool TryGet(string name, out ToolDescription tool) => _byName.TryGetValue(name, out tool!);
}
