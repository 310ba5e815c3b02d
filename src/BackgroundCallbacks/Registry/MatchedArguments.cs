using System.Text.Json;
using BackgroundCallbacks.Execution;

namespace BackgroundCallbacks.Registry;

/// <summary>Startup checks for parameters that take <see cref="Matched{T}"/> pairs: only an ALL value has rows to pair.</summary>
internal static class MatchedArguments
{
    public static void Check(IReadOnlyList<ArgumentSpec> arguments, JsonSerializerOptions json, Action<string> problem)
    {
        foreach (var argument in arguments)
        {
            var type = argument.ParameterType;
            var single = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Matched<>);
            if (!single && MatchedValues.ElementOf(type) is null)
            {
                continue;
            }

            var where = $"the parameter '{argument.Name}' ({argument.Dependency})";
            if (argument.Dependency.Kind != PatternKind.All)
            {
                problem($"{where} takes Matched<T> pairs, which only an ALL input or state has; take the value's own type.");
            }
            else if (MatchedValues.ValueTypeOf(type) is not { } valueType)
            {
                problem($"{where} cannot be bound: take Matched<T>[] or IReadOnlyList<Matched<T>>.");
            }
            else if (HandlerShapes.WhyNotFromJson(valueType, json) is { } why)
            {
                problem($"{where} cannot be bound: {why}.");
            }
        }
    }
}
