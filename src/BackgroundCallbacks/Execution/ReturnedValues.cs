using System.Collections;
using System.Runtime.CompilerServices;

namespace BackgroundCallbacks.Execution;

/// <summary>Splits what a handler returned, or reported as progress, into one value per declared property.</summary>
internal static class ReturnedValues
{
    /// <summary>
    /// Splits a returned value into <paramref name="count"/> values: a single output takes the value as it is, several
    /// take the items of a tuple or list. Null means no update at all.
    /// </summary>
    public static object?[]? Split(object? returned, int count, string what)
    {
        if (returned is NoUpdate)
        {
            return null;
        }

        if (count == 0)
        {
            return [];
        }

        if (count == 1)
        {
            return [returned];
        }

        object?[] items = returned switch
        {
            ITuple tuple => Enumerable.Range(0, tuple.Length).Select(i => tuple[i]).ToArray(),
            IList list when returned is not string => list.Cast<object?>().ToArray(),
            _ => throw new InvalidOperationException($"The {what} has {count} properties, so the handler must give a tuple or list of {count} values, not a {returned?.GetType().Name ?? "null"}."),
        };
        if (items.Length != count)
        {
            throw new InvalidOperationException($"The {what} has {count} properties, but the handler gave {items.Length} values.");
        }

        return items;
    }
}
