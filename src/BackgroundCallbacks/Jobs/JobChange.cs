using System.Globalization;

namespace BackgroundCallbacks.Jobs;

/// <summary>
/// What a change message says of a job: its version after the change and, when the change set a status, that status;
/// when the change was a small progress report alone, that progress; when it ended the job with small outputs, those
/// outputs. A store that sends none of these (the embedded one, or a process of an older version) leaves a waiter
/// nothing but "read".
/// </summary>
/// <param name="Version">The job's version after the change.</param>
/// <param name="Status">The status the change set; null when the message does not say.</param>
/// <param name="ProgressJson">The progress the change set, when it changed nothing else; null otherwise.</param>
/// <param name="OutputsJson">The outputs the change set with its status, when the message carries them; null otherwise.</param>
internal readonly record struct JobChange(long Version, JobStatus? Status, string? ProgressJson = null, string? OutputsJson = null)
{
    /// <summary>
    /// Parses the part of a message after the kind: <c>{jobId}:{version}</c>, <c>{jobId}:{version}:{status}</c>,
    /// <c>{jobId}:{version}:{status}:o{outputs}</c> or <c>{jobId}:{version}:p{progress}</c> (outputs and progress are
    /// the rest of the message, whatever they hold: a status is digits, so the first ':' after it starts the outputs).
    /// False (with the job id before any ':') when there is no version or it does not parse, or when a status is
    /// followed by anything but <c>:o</c>.
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

        if (second < 0)
        {
            change = new JobChange(version, null);
            return true;
        }

        var suffix = rest[(second + 1)..];
        if (suffix is ['p', .. var progress])
        {
            change = new JobChange(version, null, progress.ToString());
            return true;
        }

        var third = suffix.IndexOf(':');
        var statusText = third < 0 ? suffix : suffix[..third];
        if (!int.TryParse(statusText, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            || !Enum.IsDefined((JobStatus)value))
        {
            return false;
        }

        string? outputs = null;
        if (third >= 0)
        {
            if (suffix[(third + 1)..] is not ['o', .. var carried])
            {
                return false;
            }

            outputs = carried.ToString();
        }

        change = new JobChange(version, (JobStatus)value, OutputsJson: outputs);
        return true;
    }
}
