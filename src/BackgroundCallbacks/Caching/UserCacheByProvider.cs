using BackgroundCallbacks.Owners;
using Microsoft.AspNetCore.Http;

namespace BackgroundCallbacks.Caching;

internal sealed class UserCacheByProvider(OwnerResolver owners) : ICacheByProvider
{
    public ValueTask<string?> GetValueAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var owner = owners.Resolve(context);
        return ValueTask.FromResult<string?>(owner.UserId is null ? "session:" + owner.SessionId : "user:" + owner.UserId);
    }
}
