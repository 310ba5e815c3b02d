using System.Globalization;

namespace BackgroundCallbacks.Jobs;

/// <summary>
/// What a change message says of a job: its version after the change and, when the change set a status, that status;
/// when the change was a small progress report alone, that progress. A store that sends none of these (the embedded
/// one, or a process of an older version) leaves a waiter nothing but "read".
/// </summary>
/// <param name="Version">The job's version after the change.</param>
/// <param name="Status">The status the change set; null when the message does not say.</param>
/// <param name="ProgressJson">The progress the change set, when it changed nothing else; null otherwise.</param>
internal readonly record struct JobChange(long Version, JobStatus? Status, string? ProgressJson = null)
{
    /// <summary>
    /// Parses the part of a message after the kind: <c>{jobId}:{version}</c>, <c>{jobId}:{version}:{status}</c> or
    /// <c>{jobId}:{version}:p{progress}</c> (the progress is the rest, whatever it holds). False (with the job id before
    /// any ':') when there is no version or it does not parse.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<char> text, out ReadOnlySpan<char> jobId, out JobChange change)
    {
        change = default;
        var colon = text.IndexOf(':');
        if (colon < 0)
        {
            jobId = text;
            return false;
        }

        jobId = text[..colon];
        var rest = text[(colon + 1)..];
        var second = rest.IndexOf(':');
        var versionText = second < 0 ? rest : rest[..second];
        if (!long.TryParse(versionText, NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            return false;
        }

        JobStatus? status = null;
        if (second >= 0 && rest[(second + 1)..] is ['p', .. var progress])
        {
            change = new JobChange(version, null, progress.ToString());
            return true;
        }

        if (second >= 0)
        {
            if (!int.TryParse(rest[(second + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var value)
                || !Enum.IsDefined((JobStatus)value))
            {
                return false;
            }

            status = (JobStatus)value;
        }

        change = new JobChange(version, status);
        return true;
    }
}
