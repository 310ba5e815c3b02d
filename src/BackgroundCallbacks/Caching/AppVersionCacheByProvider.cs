using System.Reflection;
using Microsoft.AspNetCore.Http;

namespace BackgroundCallbacks.Caching;

internal sealed class AppVersionCacheByProvider : ICacheByProvider
{
    private readonly string? _version = Assembly.GetEntryAssembly() is { } entry
        ? entry.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? entry.GetName().Version?.ToString()
        : null;

    public ValueTask<string?> GetValueAsync(HttpContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_version);
}
