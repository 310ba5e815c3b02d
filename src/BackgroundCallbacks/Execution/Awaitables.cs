using System.Collections.Concurrent;
using System.Reflection;

namespace BackgroundCallbacks.Execution;

/// <summary>Awaits what a handler returned, if it is a task, and gives back its value.</summary>
internal static class Awaitables
{
    private static readonly ConcurrentDictionary<Type, Func<object, Task<object?>>> Unwrappers = new();

    public static Task<object?> UnwrapAsync(object? returned) => returned switch
    {
        null => Task.FromResult<object?>(null),
        Task task => Unwrappers.GetOrAdd(task.GetType(), BuildTaskUnwrapper)(task),
        ValueTask valueTask => AwaitValueTask(valueTask),
        _ when IsGenericValueTask(returned.GetType()) => Unwrappers.GetOrAdd(returned.GetType(), BuildValueTaskUnwrapper)(returned),
        _ => Task.FromResult<object?>(returned),
    };

    public static bool IsAwaitable(Type type) =>
        typeof(Task).IsAssignableFrom(type) || type == typeof(ValueTask) || IsGenericValueTask(type);

    private static bool IsGenericValueTask(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ValueTask<>);

    private static async Task<object?> AwaitValueTask(ValueTask valueTask)
    {
        await valueTask.ConfigureAwait(false);
        return null;
    }

    private static Func<object, Task<object?>> BuildTaskUnwrapper(Type taskType)
    {
        var resultType = FindTaskResultType(taskType);
        if (resultType is null || resultType.FullName == "System.Threading.Tasks.VoidTaskResult")
        {
            return static async task =>
            {
                await ((Task)task).ConfigureAwait(false);
                return null;
            };
        }

        var result = typeof(Task<>).MakeGenericType(resultType).GetProperty(nameof(Task<int>.Result))!;
        return async task =>
        {
            await ((Task)task).ConfigureAwait(false);
            return result.GetValue(task);
        };
    }

    private static Func<object, Task<object?>> BuildValueTaskUnwrapper(Type valueTaskType)
    {
        var asTask = valueTaskType.GetMethod(nameof(ValueTask<int>.AsTask), BindingFlags.Public | BindingFlags.Instance)!;
        return valueTask => UnwrapAsync(asTask.Invoke(valueTask, null));
    }

    private static Type? FindTaskResultType(Type? type)
    {
        for (; type is not null && type != typeof(Task); type = type.BaseType)
        {
            if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Task<>))
            {
                return type.GetGenericArguments()[0];
            }
        }

        return null;
    }
}
