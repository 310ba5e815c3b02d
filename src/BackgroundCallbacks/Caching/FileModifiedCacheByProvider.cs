using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace BackgroundCallbacks.Caching;

/// <summary>The last write time of a file, so results computed from a data file are recomputed when it changes.</summary>
internal sealed class FileModifiedCacheByProvider(string path) : ICacheByProvider
{
    public ValueTask<string?> GetValueAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var info = new FileInfo(path);
        info.Refresh();
        return ValueTask.FromResult<string?>(info.Exists
            ? info.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture)
            : "missing");
    }
}
