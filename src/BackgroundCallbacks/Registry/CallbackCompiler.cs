using System.Reflection;
using System.Text.Json;
using BackgroundCallbacks.Declarations;
using Microsoft.AspNetCore.Http;
using BackgroundCallbacks.Execution;

namespace BackgroundCallbacks.Registry;

/// <summary>
/// Turns one declaration into a <see cref="CallbackDefinition"/>, collecting every problem it finds so that a
/// developer sees them all in one startup error.
/// </summary>
internal static class CallbackCompiler
{
    /// <param name="declaration">The callback as written.</param>
    /// <param name="defaultManager">The manager of callbacks that name none.</param>
    /// <param name="json">The app's serializer options.</param>
    /// <param name="serverSide">Every server-side output of the application: an input or state on one of them takes a reference.</param>
    /// <param name="problems">Where problems are reported.</param>
    /// <param name="groups">The configured concurrency groups, by name.</param>
    /// <param name="preventInitialCallbacks">The app-wide default of a callback that does not set PreventInitialCall itself.</param>
    public static CallbackDefinition? Compile(
        CallbackDeclaration declaration,
        string defaultManager,
        JsonSerializerOptions json,
        IReadOnlyList<DependencySpec> serverSide,
        List<string> problems,
        IDictionary<string, ConcurrencyGroupOptions>? groups = null,
        bool preventInitialCallbacks = false)
    {
        var settings = declaration.Settings;
        var before = problems.Count;
        void Problem(string message) => problems.Add($"{declaration.Source}: {message}");

        if (!CallbackIds.IsValid(settings.Id))
        {
            problems.Add($"The callback id '{settings.Id}' is not valid: use 1 to 128 letters, digits, '-', '_', '.' or ':'.");
            return null;
        }

        var outputs = new List<DependencySpec>();
        var inputs = new List<(DependencySpec Spec, string? Name, bool IsTrigger)>();
        var states = new List<(DependencySpec Spec, string? Name)>();
        var running = new List<RunningSpec>();
        var progress = new List<ProgressSpec>();
        var cancel = new List<DependencySpec>();
        foreach (var attribute in declaration.Dependencies)
        {
            if (string.IsNullOrWhiteSpace(attribute.ComponentId) || string.IsNullOrWhiteSpace(attribute.Property))
            {
                Problem($"a {Describe(attribute)} dependency has an empty component id or property.");
                continue;
            }

            if (attribute.ComponentId.TrimStart().StartsWith('{') && !IsJsonObject(attribute.ComponentId))
            {
                Problem($"the component id '{attribute.ComponentId}' starts like a pattern but is not a JSON object.");
                continue;
            }

            DependencySpec spec;
            try
            {
                spec = new DependencySpec(attribute.ComponentId, attribute.Property);
            }
            catch (FormatException e)
            {
                Problem($"the component id '{attribute.ComponentId}' is not valid: {e.Message}");
                continue;
            }

            if (spec.Kind == PatternKind.All && attribute is not (InputAttribute or StateAttribute))
            {
                Problem($"{spec} uses ALL in a {Describe(attribute)} dependency; ALL works for inputs and state only.");
                continue;
            }

            switch (attribute)
            {
                case OutputAttribute output:
                    if (output.Store is not null && !output.ServerSide)
                    {
                        Problem($"the output {spec} names the store '{output.Store}' but is not server-side; set ServerSide = true.");
                    }

                    outputs.Add((output.ServerSide ? spec with { Store = output.Store ?? ServerSideOutputs.DefaultStore } : spec) with { AllowDuplicate = output.AllowDuplicate });
                    break;
                case InputAttribute input:
                    inputs.Add((spec with { Optional = input.Optional }, input.Name, false));
                    break;
                case TriggerAttribute:
                    // Listed with the inputs, in declaration order: the client sends and triggers it as one.
                    inputs.Add((spec, null, true));
                    break;
                case StateAttribute state:
                    states.Add((spec with { Optional = state.Optional }, state.Name));
                    break;
                case RunningAttribute { RestoresPreviousValue: true } run:
                    if (TryJson(run.WhileRunning, run.Json, json, out var only, out var error0))
                    {
                        running.Add(new RunningSpec(spec, only, default, Restore: true));
                    }
                    else
                    {
                        Problem($"the running value of {spec} is not valid: {error0}");
                    }

                    break;
                case RunningAttribute run:
                    if (TryJson(run.WhileRunning, run.Json, json, out var on, out var error1) && TryJson(run.WhenDone, run.Json, json, out var off, out error1))
                    {
                        running.Add(new RunningSpec(spec, on, off));
                    }
                    else
                    {
                        Problem($"the running values of {spec} are not valid: {error1}");
                    }

                    break;
                case ProgressAttribute p:
                    if (TryJson(p.DefaultJson ?? p.Default, p.DefaultJson is not null, json, out var value, out var error2))
                    {
                        progress.Add(new ProgressSpec(spec, value));
                    }
                    else
                    {
                        Problem($"the progress default of {spec} is not valid: {error2}");
                    }

                    break;
                case CancelAttribute:
                    cancel.Add(spec);
                    break;
                default:
                    Problem($"the dependency kind {attribute.GetType().Name} is not supported.");
                    break;
            }
        }

        if (inputs.Count == 0)
        {
            Problem("it declares no input, so nothing can invoke it.");
        }

        foreach (var duplicate in outputs.GroupBy(o => o.Key).Where(g => g.Count() > 1))
        {
            Problem($"the output {duplicate.Key} is declared twice.");
        }

        // An output may be one of the callback's own inputs (Dash's seed resets a button's n_clicks this way): the
        // client never lets a callback's outputs trigger that same callback, so it cannot loop.
        var inputKeys = inputs.Select(i => i.Spec.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var p in progress.Where(p => inputKeys.Contains(p.Dependency.Key)))
        {
            Problem($"the progress output {p.Dependency} feeds its own input.");
        }

        var matchesInputs = inputs.Any(i => i.Spec.Kind == PatternKind.Match);
        var needsMatch = outputs.Concat(progress.Select(p => p.Dependency)).Concat(running.Select(r => r.Dependency)).Concat(cancel)
            .Concat(states.Select(s => s.Spec))
            .Where(d => d.Kind == PatternKind.Match);
        foreach (var dependency in needsMatch.Where(_ => !matchesInputs))
        {
            Problem($"{dependency} uses MATCH, but no input does, so there is nothing to match it with.");
        }

        if (settings.Inline && (progress.Count > 0 || cancel.Count > 0))
        {
            Problem("it runs inline, so it has no job to report progress from or to cancel: remove its Progress and Cancel dependencies, or run it in the background.");
        }

        if (settings.Inline && settings.Retries > 0)
        {
            Problem("it runs inline, in the request, so it cannot be retried later: remove Retries, or run it in the background.");
        }

        if (settings.Interval <= 0)
        {
            Problem($"Interval must be positive (it is {settings.Interval}).");
        }

        if (settings.Retries < 0)
        {
            Problem($"Retries cannot be negative (it is {settings.Retries}).");
        }

        if (settings.ExpireSeconds < 0)
        {
            Problem($"ExpireSeconds cannot be negative (it is {settings.ExpireSeconds}).");
        }

        var line = Line(settings, groups, Problem);
        if (settings.TimeoutSeconds < 0)
        {
            Problem($"TimeoutSeconds cannot be negative (it is {settings.TimeoutSeconds}).");
        }

        if (settings.Inline && (line.Name is not null || settings.TimeoutSeconds > 0))
        {
            Problem("it runs inline, in the request, so it waits in no line and has no job to time out: remove MaxRunning, MaxQueued, Group and TimeoutSeconds, or run it in the background.");
        }

        if (settings.Manager is not null && !ManagerNames.IsValid(settings.Manager))
        {
            Problem($"the manager name '{settings.Manager}' is not valid.");
        }

        var declared = inputs.Select(i => (i.Spec, i.Name, IsState: false, i.IsTrigger))
            .Concat(states.Select(s => (s.Spec, s.Name, IsState: true, IsTrigger: false))).ToList();
        var requestValues = new List<RequestValueTarget>();
        var (handlerParameters, arguments) = BindParameters(declaration, declared, requestValues, Problem);
        var (ignored, ignoredRequestValues) = ResolveIgnored(settings, arguments, requestValues, Problem);
        var onError = ResolveOnError(declaration, Problem);

        var yielded = HandlerShapes.Yielded(declaration.Method.ReturnType);
        if (outputs.Count > 0 && yielded is null)
        {
            Problem($"it declares {outputs.Count} output(s) but its handler returns no value.");
        }
        else if (yielded is not null && HandlerShapes.WhyNotSplit(yielded, outputs.Count) is { } returnProblem)
        {
            Problem($"it declares {outputs.Count} outputs, but its handler returns {returnProblem}.");
        }

        if (handlerParameters?.FirstOrDefault(p => p.Kind == ParameterKind.Progress)?.ProgressType is { } progressType
            && HandlerShapes.WhyNotSplit(progressType, progress.Count) is { } progressProblem)
        {
            Problem($"it declares {progress.Count} progress outputs, but its handler reports {progressProblem}.");
        }

        arguments = arguments?.Select(a => a.IsTrigger ? a : ArgumentSpec.IsFileType(a.ParameterType)
                ? a with { IsReference = true, IsFile = true }
                : serverSide.Any(o => ComponentPatterns.Overlap(o, a.Dependency)) ? a with { IsReference = true } : a)
            .ToList();
        MatchedArguments.Check(arguments ?? [], json, Problem);
        foreach (var argument in (arguments ?? []).Where(a => a.Dependency.Optional && a.ParameterType.IsValueType && Nullable.GetUnderlyingType(a.ParameterType) is null))
        {
            // Refused here rather than bound to default(T): a page without the component would look like one holding 0 or false.
            Problem($"{argument.Dependency} is optional, so the client sends null when the page lacks it, but the parameter '{argument.Name}' is a non-nullable {argument.ParameterType.Name}: make it {argument.ParameterType.Name}? or remove Optional.");
        }

        foreach (var argument in (arguments ?? []).Where(a => !a.IsFile))
        {
            if (HandlerShapes.WhyNotFromJson(argument.ParameterType, json) is { } why)
            {
                Problem($"the parameter '{argument.Name}' ({argument.Dependency}) cannot be bound: {why}.");
            }
        }

        if (problems.Count > before || handlerParameters is null || arguments is null)
        {
            return null;
        }

        return new CallbackDefinition
        {
            Id = settings.Id,
            Manager = settings.Manager ?? defaultManager,
            Outputs = outputs,
            Arguments = arguments,
            Running = running,
            Progress = progress,
            Cancel = cancel,
            Inline = settings.Inline,
            Interval = settings.Interval,
            PreventInitialCall = settings.PreventInitialCallSetting ?? preventInitialCallbacks,
            CacheBy = settings.CacheBy,
            IgnoredArguments = ignored,
            CacheIgnoreTriggered = settings.CacheIgnoreTriggered,
            RequestValues = requestValues,
            IgnoredRequestValues = ignoredRequestValues,
            Expire = settings.ExpireSeconds > 0 ? TimeSpan.FromSeconds(settings.ExpireSeconds) : null,
            SharedResults = settings.SharedResults,
            Retries = settings.Retries,
            Line = line,
            Timeout = settings.TimeoutSeconds > 0 ? TimeSpan.FromSeconds(settings.TimeoutSeconds) : null,
            Handler = new HandlerInvoker(declaration.Method, declaration.Target, handlerParameters),
            OnError = onError,
            HandlerIdentity = HandlerFingerprint.Of(settings.Id, declaration.Method),
        };
    }

    /// <summary>The callback's line: its group's, its own when it sets limits, or none.</summary>
    private static CallbackLine Line(BackgroundCallbackAttribute settings, IDictionary<string, ConcurrencyGroupOptions>? groups, Action<string> problem)
    {
        if (settings.MaxRunning < 0 || settings.MaxQueued < 0)
        {
            problem($"MaxRunning and MaxQueued cannot be negative (they are {settings.MaxRunning} and {settings.MaxQueued}).");
            return CallbackLine.Unlimited;
        }

        if (settings.Group is { } name)
        {
            if (settings.MaxRunning > 0 || settings.MaxQueued > 0)
            {
                problem($"it names the concurrency group '{name}' and limits of its own: set the limits on the group, or remove Group.");
            }

            if (groups is null || !groups.TryGetValue(name, out var group))
            {
                problem($"the concurrency group '{name}' is not configured; add it to BackgroundCallbacksOptions.ConcurrencyGroups.");
                return CallbackLine.Unlimited;
            }

            return new CallbackLine("group:" + name, group.MaxRunning, group.MaxQueued);
        }

        if (settings.MaxQueued > 0 && settings.MaxRunning == 0)
        {
            problem("MaxQueued bounds the line of jobs waiting for a running place, so it needs MaxRunning as well.");
        }

        return settings.MaxRunning > 0 ? new CallbackLine("callback:" + settings.Id, settings.MaxRunning, settings.MaxQueued) : CallbackLine.Unlimited;
    }

    private static (List<HandlerParameter>? Parameters, List<ArgumentSpec>? Arguments) BindParameters(
        CallbackDeclaration declaration,
        List<(DependencySpec Spec, string? Name, bool IsState, bool IsTrigger)> declared,
        List<RequestValueTarget> requestValues,
        Action<string> problem)
    {
        var refused = false;
        var parameters = declaration.Method.GetParameters();
        var plan = new HandlerParameter?[parameters.Length];
        var argumentParameters = new List<int>();
        for (var i = 0; i < parameters.Length; i++)
        {
            var type = parameters[i].ParameterType;
            if (type == typeof(CancellationToken))
            {
                plan[i] = new HandlerParameter(ParameterKind.CancellationToken, -1, null);
            }
            else if (type == typeof(CallbackContext))
            {
                plan[i] = new HandlerParameter(ParameterKind.Context, -1, null);
            }
            else if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IProgress<>))
            {
                plan[i] = new HandlerParameter(ParameterKind.Progress, -1, type.GetGenericArguments()[0]);
            }
            else if (declaration.Settings.Inline && (type == typeof(IResponseCookies) || type == typeof(HttpResponse)))
            {
                // An inline callback answers its own request, so it may set a cookie or a header on that answer.
                plan[i] = new HandlerParameter(ParameterKind.Response, -1, type);
            }
            else if (RequestValueParameters.TryClassify(parameters[i], problem, out var requestValue))
            {
                refused |= requestValue is null;
                plan[i] = requestValue is null ? null : new HandlerParameter(ParameterKind.RequestValue, requestValues.Count, null);
                if (requestValue is not null)
                {
                    requestValues.Add(requestValue);
                }
            }
            else if (type.IsByRef || type.IsPointer)
            {
                problem($"the parameter '{parameters[i].Name}' is passed by reference, which a handler cannot take.");
                return (null, null);
            }
            else
            {
                argumentParameters.Add(i);
            }
        }

        if (plan.Any(p => p?.Kind == ParameterKind.Progress) && !declaration.Dependencies.OfType<ProgressAttribute>().Any())
        {
            problem("the handler takes a progress reporter but the callback declares no progress output.");
        }

        // Triggers reach no parameter: inputs and state bind as if they were not declared.
        var bindable = Enumerable.Range(0, declared.Count).Where(a => !declared[a].IsTrigger).ToList();
        var triggers = declared.Where(d => d.IsTrigger).Select(d => d.Spec.Key).ToList();
        if (argumentParameters.Count != bindable.Count)
        {
            problem(triggers.Count > 0 && argumentParameters.Count == declared.Count
                ? $"the handler takes a parameter for its trigger(s) {string.Join(", ", triggers)}, but a trigger is passed to no parameter: remove the parameter, or declare it as an Input to take its value."
                : $"it declares {bindable.Count} input and state value(s) but the handler takes {argumentParameters.Count} such parameter(s)"
                    + (triggers.Count > 0 ? $" (its trigger(s) {string.Join(", ", triggers)} take none)." : "."));
            return (null, null);
        }

        if (refused)
        {
            return (null, null);
        }

        var free = new List<int>(argumentParameters);
        var boundTo = new int[declared.Count];
        Array.Fill(boundTo, -1);
        foreach (var a in bindable)
        {
            if (declared[a].Name is { } name)
            {
                var index = free.FirstOrDefault(p => parameters[p].Name == name, -1);
                if (index < 0)
                {
                    problem($"the argument name '{name}' of {declared[a].Spec} matches no handler parameter.");
                    return (null, null);
                }

                boundTo[a] = index;
                free.Remove(index);
            }
        }

        var next = 0;
        foreach (var a in bindable.Where(a => boundTo[a] < 0))
        {
            boundTo[a] = free[next++];
        }

        var arguments = new List<ArgumentSpec>(declared.Count);
        for (var a = 0; a < declared.Count; a++)
        {
            if (declared[a].IsTrigger)
            {
                // Read as JSON only to check it is JSON: whatever the component holds, no handler depends on its type.
                arguments.Add(new ArgumentSpec(declared[a].Spec, IsState: false, declared[a].Spec.Key, a, typeof(JsonElement)) { IsTrigger = true });
                continue;
            }

            var parameter = parameters[boundTo[a]];
            plan[boundTo[a]] = new HandlerParameter(ParameterKind.Argument, a, null);
            arguments.Add(new ArgumentSpec(declared[a].Spec, declared[a].IsState, declared[a].Name ?? parameter.Name ?? $"arg{a}", a, parameter.ParameterType));
        }

        return (plan.Select(p => p!).ToList(), arguments);
    }

    /// <summary>
    /// Which arguments and request values the cache key leaves out: those CacheArgsToIgnore names, or those CacheArgs does
    /// not name; triggers always.
    /// </summary>
    private static (bool[] Arguments, bool[] RequestValues) ResolveIgnored(
        BackgroundCallbackAttribute settings, List<ArgumentSpec>? arguments, List<RequestValueTarget> requestValues, Action<string> problem)
    {
        var ignored = arguments?.Select(a => a.IsTrigger).ToArray() ?? [];
        var ignoredRequestValues = new bool[requestValues.Count];
        if (settings.CacheArgs is not null && settings.CacheArgsToIgnore is not null)
        {
            problem("it sets both CacheArgs and CacheArgsToIgnore: set one, CacheArgs naming the arguments the cache key is built from, or CacheArgsToIgnore those it leaves out.");
            return (ignored, ignoredRequestValues);
        }

        var only = settings.CacheArgs is not null;
        if ((settings.CacheArgs ?? settings.CacheArgsToIgnore) is not { } list || arguments is null)
        {
            return (ignored, ignoredRequestValues);
        }

        var option = only ? nameof(settings.CacheArgs) : nameof(settings.CacheArgsToIgnore);
        var bound = arguments.Where(a => !a.IsTrigger).ToList();
        var named = new bool[arguments.Count];
        var namedRequestValues = new bool[requestValues.Count];
        foreach (var item in list)
        {
            switch (item)
            {
                case int index when index >= 0 && index < bound.Count:
                    named[bound[index].Position] = true;
                    break;
                case int index:
                    problem($"{option} names position {index}, but there are {bound.Count} arguments.");
                    break;
                case string name when bound.Find(a => a.Name == name) is { } found:
                    named[found.Position] = true;
                    break;
                case string name when requestValues.FindIndex(r => r.ParameterName == name) is var value and >= 0:
                    namedRequestValues[value] = true;
                    break;
                case string name:
                    problem($"{option} names '{name}', which is no argument's name.");
                    break;
                default:
                    problem($"{option} takes argument positions (int) and names (string) only.");
                    break;
            }
        }

        for (var i = 0; i < ignored.Length; i++)
        {
            ignored[i] |= only ? !named[i] : named[i];
        }

        for (var i = 0; i < ignoredRequestValues.Length; i++)
        {
            ignoredRequestValues[i] = only ? !namedRequestValues[i] : namedRequestValues[i];
        }

        return (ignored, ignoredRequestValues);
    }

    private static Func<Exception, CallbackContext, object?>? ResolveOnError(CallbackDeclaration declaration, Action<string> problem)
    {
        if (declaration.OnError is not null || declaration.Settings.OnError is not { } name)
        {
            return declaration.OnError;
        }

        var method = declaration.Method.DeclaringType?.GetMethod(
            name,
            BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic,
            [typeof(Exception), typeof(CallbackContext)]);
        if (method is null || method.ReturnType == typeof(void))
        {
            problem($"OnError names '{name}', but its type has no static method {name}(Exception, CallbackContext) that returns outputs.");
            return null;
        }

        return (exception, context) => method.Invoke(null, BindingFlags.DoNotWrapExceptions, null, [exception, context], null);
    }

    private static bool TryJson(object? value, bool isJsonText, JsonSerializerOptions json, out JsonElement element, out string? error)
    {
        error = null;
        try
        {
            element = isJsonText
                ? JsonDocument.Parse(value as string ?? "null").RootElement.Clone()
                : JsonSerializer.SerializeToElement(value, value?.GetType() ?? typeof(object), json);
            return true;
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            element = default;
            error = e.Message;
            return false;
        }
    }

    private static bool IsJsonObject(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string Describe(DependencyAttribute attribute) =>
        attribute.GetType().Name.Replace("Attribute", string.Empty, StringComparison.Ordinal).ToLowerInvariant();
}
