using BackgroundCallbacks.Owners;

namespace BackgroundCallbacks.Jobs;

/// <summary>
/// Handles are 128 random bits (base64url) followed by a dot and the manager's name, so a poll finds the backend
/// the job lives in without a lookup.
/// </summary>
internal static class JobHandles
{
    public static string New(string manager) => RandomIds.New() + "." + manager;

    public static bool TryParse(string? handle, out string manager)
    {
        manager = string.Empty;
        if (handle is null || handle.Length <= RandomIds.Length + 1 || handle[RandomIds.Length] != '.')
        {
            return false;
        }

        if (!RandomIds.IsWellFormed(handle[..RandomIds.Length]))
        {
            return false;
        }

        manager = handle[(RandomIds.Length + 1)..];
        return true;
    }
}
