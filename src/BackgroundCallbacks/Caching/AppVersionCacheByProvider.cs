using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;

namespace BackgroundCallbacks.Caching;

internal sealed class AppVersionCacheByProvider(IHostEnvironment? environment = null) : ICacheByProvider
{
    private readonly string? _version = ApplicationAssembly.Of(environment) is { } application
        ? application.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? application.GetName().Version?.ToString()
        : null;

    public ValueTask<string?> GetValueAsync(HttpContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_version);
}
