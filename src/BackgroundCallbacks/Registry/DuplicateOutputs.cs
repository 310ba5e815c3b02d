using System.Text.Json;

namespace BackgroundCallbacks.Registry;

/// <summary>
/// Refuses two callbacks that write the same component property, as Dash does, unless every one of those outputs allows
/// duplicates: which answer lands last is a race, so an app must say it means it.
/// </summary>
internal static class DuplicateOutputs
{
    /// <param name="callbacks">Every compiled callback, with the description its problems start with.</param>
    /// <param name="problems">Where problems are reported.</param>
    public static void Check(IReadOnlyList<(string Source, CallbackDefinition Callback)> callbacks, List<string> problems)
    {
        var writers = new Dictionary<string, List<(string Source, DependencySpec Output)>>(StringComparer.Ordinal);
        foreach (var (source, callback) in callbacks)
        {
            foreach (var output in callback.Outputs)
            {
                var key = Canonical(output);
                if (!writers.TryGetValue(key, out var list))
                {
                    writers[key] = list = [];
                }

                list.Add((source, output));
            }
        }

        foreach (var list in writers.Values.Where(l => l.Count > 1 && !l.TrueForAll(w => w.Output.AllowDuplicate)))
        {
            var names = list.Select(w => w.Source).ToList();
            problems.Add(
                $"The output {list[0].Output} is written by {string.Join(", ", names[..^1])} and {names[^1]}: set AllowDuplicate = true on "
                + "that output in every one of them if they are meant to share it (the later answer wins), or give each its own output.");
        }
    }

    /// <summary>The same id and property; for an object id (a pattern or not), the same keys and values in any order.</summary>
    private static string Canonical(DependencySpec output)
    {
        if (!output.ComponentId.StartsWith('{') || !ComponentPatterns.TryParse(output.ComponentId, out var pattern))
        {
            return output.Key;
        }

        var keys = pattern.EnumerateObject()
            .OrderBy(p => p.Name, StringComparer.Ordinal)
            .Select(p => JsonSerializer.Serialize(p.Name) + ":" + p.Value.GetRawText());
        return "{" + string.Join(",", keys) + "}." + output.Property;
    }
}
