using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using BackgroundCallbacks.Owners;

namespace BackgroundCallbacks.Jobs;

/// <summary>
/// The ids of jobs and followers, and the handle a client holds: <c>{follower}.{job}.{manager}</c>. The follower id is
/// 128 random bits and is the secret part; the job id is shared by every follower of the job. A job id starts with its
/// tag, the part a store may group the job's data by (Redis keeps all of a job's keys in the tag's hash slot): for a
/// cached job the tag is derived from the cache key, so identical invocations meet in one place and can be joined
/// atomically; otherwise it is random.
/// </summary>
internal static class JobHandles
{
    public const int TagLength = 11;

    public const int JobIdLength = 2 * TagLength;

    /// <summary>A new job id: the tag of <paramref name="key"/> (random without a key) followed by 66 random bits.</summary>
    public static string NewJobId(string? key)
    {
        var random = RandomIds.New();
        return key is null ? random : TagOf(key) + random[..TagLength];
    }

    public static string TagOf(string key)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(key), hash);
        return Base64Url.EncodeToString(hash)[..TagLength];
    }

    public static string Format(string followerId, string jobId, string manager) => followerId + "." + jobId + "." + manager;

    /// <summary>What a worker is handed: the job and its manager, no follower.</summary>
    public static string JobReference(string jobId, string manager) => jobId + "." + manager;

    public static bool TryParse(string? handle, out string followerId, out string jobId, out string manager)
    {
        followerId = jobId = manager = string.Empty;
        const int jobStart = RandomIds.Length + 1;
        const int managerStart = jobStart + JobIdLength + 1;
        if (handle is null || handle.Length <= managerStart || handle[RandomIds.Length] != '.' || handle[managerStart - 1] != '.')
        {
            return false;
        }

        var follower = handle[..RandomIds.Length];
        var job = handle[jobStart..(managerStart - 1)];
        if (!RandomIds.IsWellFormed(follower) || !IsWellFormedJobId(job))
        {
            return false;
        }

        (followerId, jobId, manager) = (follower, job, handle[managerStart..]);
        return true;
    }

    public static bool TryParseReference(string? reference, out string jobId, out string manager)
    {
        jobId = manager = string.Empty;
        if (reference is null || reference.Length <= JobIdLength + 1 || reference[JobIdLength] != '.' || !IsWellFormedJobId(reference[..JobIdLength]))
        {
            return false;
        }

        (jobId, manager) = (reference[..JobIdLength], reference[(JobIdLength + 1)..]);
        return true;
    }

    private static bool IsWellFormedJobId(string id) => RandomIds.IsWellFormed(id);
}
