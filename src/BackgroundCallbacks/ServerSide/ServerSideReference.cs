using BackgroundCallbacks.Owners;

namespace BackgroundCallbacks.ServerSide;

/// <summary>
/// The opaque reference a client keeps in place of a server-side value: <c>bcref:{store}:{id}</c>, the id 128 random
/// bits. The store's name says where to look; the owner is not in it but in the store, so a reference cannot be
/// rewritten to claim someone else's value.
/// </summary>
internal static class ServerSideReference
{
    public const string Prefix = "bcref:";

    public static string Format(string store, string id) => Prefix + store + ":" + id;

    public static bool TryParse(string? reference, out string store, out string id)
    {
        store = id = string.Empty;
        if (reference is null || !reference.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = reference.AsSpan(Prefix.Length);
        var colon = rest.IndexOf(':');
        if (colon <= 0)
        {
            return false;
        }

        var name = rest[..colon].ToString();
        var value = rest[(colon + 1)..].ToString();
        if (!ValueStores.IsValidName(name) || !RandomIds.IsWellFormed(value))
        {
            return false;
        }

        (store, id) = (name, value);
        return true;
    }
}
