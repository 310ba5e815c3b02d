using BackgroundCallbacks.Owners;
using Microsoft.AspNetCore.Http;

namespace BackgroundCallbacks.Caching;

internal sealed class SessionCacheByProvider(OwnerResolver owners) : ICacheByProvider
{
    public ValueTask<string?> GetValueAsync(HttpContext context, CancellationToken cancellationToken) =>
        ValueTask.FromResult<string?>(owners.Session(context));
}
