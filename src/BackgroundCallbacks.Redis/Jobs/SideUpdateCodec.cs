using System.Globalization;
using BackgroundCallbacks.Jobs;

namespace BackgroundCallbacks.Redis.Jobs;

/// <summary>
/// One side update as one list entry: <c>{version}:{idLength}:{componentId}{propsJson}</c>. The Lua script that
/// appends it prefixes the version, which only Redis knows at that moment; the length prefix lets the component id
/// hold any character.
/// </summary>
internal static class SideUpdateCodec
{
    /// <summary>The entry without its version, as the append script receives it.</summary>
    public static string EncodeUnversioned(string componentId, string propsJson) =>
        componentId.Length.ToString(CultureInfo.InvariantCulture) + ":" + componentId + propsJson;

    public static SideUpdate Decode(string entry)
    {
        var first = entry.IndexOf(':', StringComparison.Ordinal);
        var second = entry.IndexOf(':', first + 1);
        var version = long.Parse(entry.AsSpan(0, first), NumberStyles.None, CultureInfo.InvariantCulture);
        var length = int.Parse(entry.AsSpan(first + 1, second - first - 1), NumberStyles.None, CultureInfo.InvariantCulture);
        var idStart = second + 1;
        return new SideUpdate(version, entry.Substring(idStart, length), entry[(idStart + length)..]);
    }
}
