using System.Collections.Concurrent;
using System.Reflection;
using System.Xml;
using System.Xml.Linq;

namespace BackgroundCallbacks.Mcp.Tools;

/// <summary>
/// A handler's XML doc summary, from the documentation file its assembly was built with (<c>GenerateDocumentationFile</c>),
/// when that file sits beside the assembly. A method is found by its type and name when it has no overload; one with
/// overloads, or an assembly without the file, has none.
/// </summary>
internal static class HandlerDocs
{
    private static readonly ConcurrentDictionary<Assembly, Dictionary<string, string>?> Files = new();

    public static string? SummaryOf(MethodInfo method)
    {
        if (method.DeclaringType is not { FullName: { } typeName } type
            || type.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static).Count(m => m.Name == method.Name) != 1)
        {
            return null;
        }

        var summaries = Files.GetOrAdd(type.Assembly, Read);
        if (summaries is null)
        {
            return null;
        }

        var prefix = "M:" + typeName.Replace('+', '.') + "." + method.Name;
        return summaries.FirstOrDefault(s => s.Key == prefix || s.Key.StartsWith(prefix + "(", StringComparison.Ordinal)).Value;
    }

    private static Dictionary<string, string>? Read(Assembly assembly)
    {
        if (string.IsNullOrEmpty(assembly.Location) || Path.ChangeExtension(assembly.Location, ".xml") is not { } path || !File.Exists(path))
        {
            return null;
        }

        try
        {
            var document = XDocument.Load(path);
            return document.Descendants("member")
                .Where(m => m.Attribute("name")?.Value.StartsWith("M:", StringComparison.Ordinal) == true && m.Element("summary") is not null)
                .GroupBy(m => m.Attribute("name")!.Value, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => Text(g.First().Element("summary")!), StringComparer.Ordinal);
        }
        catch (Exception e) when (e is XmlException or IOException or UnauthorizedAccessException)
        {
            // A documentation file that cannot be read leaves the tools with their attribute or default descriptions.
            return null;
        }
    }

    /// <summary>The summary's text, with <c>&lt;see cref="…"/&gt;</c> as the name it points to and whitespace collapsed.</summary>
    private static string Text(XElement summary)
    {
        var parts = summary.DescendantNodes().Select(node => node switch
        {
            XText text => text.Value,
            XElement { Name.LocalName: "see" or "paramref" or "typeparamref" } element =>
                element.Attribute("cref") is { } cref ? ShortName(cref.Value) : element.Attribute("name")?.Value ?? element.Attribute("langword")?.Value ?? "",
            _ => "",
        });
        return string.Join(" ", string.Concat(parts).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
    }

    /// <summary><c>M:System.String.Split(System.Char[])</c> as <c>Split</c>.</summary>
    private static string ShortName(string cref)
    {
        var name = cref.Split('(')[0];
        return name[(name.LastIndexOfAny(['.', ':']) + 1)..];
    }
}
