using BackgroundCallbacks.Owners;
using Microsoft.AspNetCore.Http;

namespace BackgroundCallbacks.Invocation;

/// <summary>Who invokes, as the door that received the invocation resolved it.</summary>
/// <param name="Owner">The user or session the invocation belongs to.</param>
/// <param name="Page">
/// The page instance (a browser tab) that sent it, or null. An invocation with a page supersedes the same page's previous
/// invocation of the callback for the same outputs; one without supersedes nothing.
/// </param>
/// <param name="Claims">The caller's identity claims the handler may see, as (type, value) pairs.</param>
/// <param name="AuthenticationType">The caller's authentication type; null when anonymous.</param>
internal sealed record Caller(Owner Owner, string? Page, IReadOnlyList<KeyValuePair<string, string>> Claims, string? AuthenticationType)
{
    private string? _address;

    /// <summary>The client's network address as the door sees it, or null; anonymous callers are also counted by it against the per-owner job limit.</summary>
    public string? Address
    {
        // Formatted when first read, not for every invocation: only the per-owner job limit reads it.
        get => _address ??= Connection?.RemoteIpAddress?.ToString();
        init => _address = value;
    }

    /// <summary>The HTTP connection <see cref="Address"/> is read from when it was not given; null for other doors.</summary>
    public ConnectionInfo? Connection { get; init; }
}
