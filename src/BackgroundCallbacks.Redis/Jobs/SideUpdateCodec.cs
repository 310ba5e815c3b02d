using System.Globalization;
using BackgroundCallbacks.Jobs;

namespace BackgroundCallbacks.Redis.Jobs;

/// <summary>
/// One side update as one member of the job's update set: <c>{version}:{sequence}:{idLength}:{componentId}{propsJson}</c>.
/// The script that appends it adds the version (only Redis knows it then) and a zero-padded sequence, so members of one
/// change stay distinct and in order; the length prefix lets the component id hold any character.
/// </summary>
internal static class SideUpdateCodec
{
    /// <summary>The entry without its version and sequence, as the append script receives it.</summary>
    public static string EncodeUnversioned(string componentId, string propsJson) =>
        componentId.Length.ToString(CultureInfo.InvariantCulture) + ":" + componentId + propsJson;

    public static SideUpdate Decode(string entry)
    {
        var first = entry.IndexOf(':', StringComparison.Ordinal);
        var second = entry.IndexOf(':', first + 1);
        var third = entry.IndexOf(':', second + 1);
        var version = long.Parse(entry.AsSpan(0, first), NumberStyles.None, CultureInfo.InvariantCulture);
        var length = int.Parse(entry.AsSpan(second + 1, third - second - 1), NumberStyles.None, CultureInfo.InvariantCulture);
        var idStart = third + 1;
        return new SideUpdate(version, entry.Substring(idStart, length), entry[(idStart + length)..]);
    }
}
