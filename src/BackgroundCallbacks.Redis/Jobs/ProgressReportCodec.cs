using System.Globalization;
using BackgroundCallbacks.Jobs;

namespace BackgroundCallbacks.Redis.Jobs;

/// <summary>
/// One progress report as one entry of the job's progress log: <c>{version}:{sequence}:{json}</c>. The append script
/// writes the version and sequence (only Redis knows them then); the JSON comes last, as it may hold any character.
/// </summary>
internal static class ProgressReportCodec
{
    public static ProgressReport Decode(string entry)
    {
        var first = entry.IndexOf(':', StringComparison.Ordinal);
        var second = entry.IndexOf(':', first + 1);
        return new ProgressReport(
            long.Parse(entry.AsSpan(0, first), NumberStyles.None, CultureInfo.InvariantCulture),
            long.Parse(entry.AsSpan(first + 1, second - first - 1), NumberStyles.None, CultureInfo.InvariantCulture),
            entry[(second + 1)..]);
    }
}
