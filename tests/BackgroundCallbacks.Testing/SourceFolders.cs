namespace BackgroundCallbacks.Testing;

/// <summary>
/// The folder a type's source file is in. Public types live in the root namespace but in the folder of their
/// concern, and each file is named after its one type, so the file says where a type lives.
/// </summary>
internal sealed class SourceFolders
{
    private readonly Dictionary<string, string> _byTypeName = new(StringComparer.Ordinal);
    private readonly string _rootNamespace;

    public SourceFolders(string sourceDirectory, string rootNamespace)
    {
        _rootNamespace = rootNamespace;
        var root = Path.Combine(RepositoryRoot(), sourceDirectory);
        foreach (var file in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(root, file).Split(Path.DirectorySeparatorChar);
            if (relative.Length == 2 && relative[0] is not ("bin" or "obj"))
            {
                _byTypeName[Path.GetFileNameWithoutExtension(file)] = relative[0];
            }
        }
    }

    /// <summary>The folder, or null for a type not of this library (or a root file such as the options).</summary>
    public string? Of(string fullName)
    {
        if (!fullName.StartsWith(_rootNamespace + ".", StringComparison.Ordinal))
        {
            return null;
        }

        var rest = fullName[(_rootNamespace.Length + 1)..];
        var dot = rest.IndexOf('.', StringComparison.Ordinal);
        if (dot >= 0)
        {
            // A namespace below the root is its folder, but another library's root (BackgroundCallbacks.Redis) is not.
            var folder = rest[..dot];
            return _byTypeName.ContainsValue(folder) ? folder : null;
        }

        var name = rest.Split('`')[0];
        return _byTypeName.GetValueOrDefault(name);
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "BackgroundCallbacks.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (BackgroundCallbacks.sln) was not found above " + AppContext.BaseDirectory);
    }
}
