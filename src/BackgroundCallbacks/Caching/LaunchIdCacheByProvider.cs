using Microsoft.AspNetCore.Http;

namespace BackgroundCallbacks.Caching;

internal sealed class LaunchIdCacheByProvider : ICacheByProvider
{
    private readonly string _launchId = Guid.NewGuid().ToString("N");

    public ValueTask<string?> GetValueAsync(HttpContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult<string?>(_launchId);
}
