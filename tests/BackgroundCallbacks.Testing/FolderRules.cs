using System.Reflection;

namespace BackgroundCallbacks.Testing;

/// <summary>Checks an assembly's folders against a drawing of which folder may use which.</summary>
internal static class FolderRules
{
    /// <summary>
    /// Every use of a type of another folder that the drawing does not allow, as readable lines. "*" allows every
    /// folder; Diagnostics (the source-generated log messages) may be used by all.
    /// </summary>
    public static List<string> Violations(Assembly assembly, string sourceDirectory, Dictionary<string, string[]> allowed, string rootNamespace)
    {
        var folders = new SourceFolders(sourceDirectory, rootNamespace);
        var offending = new List<string>();
        foreach (var (type, used) in TypeReferences.Of(assembly))
        {
            if (folders.Of(type) is not { } from)
            {
                continue;
            }

            if (!allowed.TryGetValue(from, out var targets))
            {
                offending.Add($"{type}: folder {from} is not in the drawing");
                continue;
            }

            foreach (var name in used)
            {
                if (folders.Of(name) is { } to && to != from && to != "Diagnostics" && !targets.Contains(to) && !targets.Contains("*"))
                {
                    offending.Add($"{from} → {to}: {type} uses {name}");
                }
            }
        }

        return offending;
    }

}
