namespace BackgroundCallbacks.Registry;

internal static class ManagerNames
{
    public const string Default = "default";

    /// <summary>Manager names end up in job handles and Hangfire queue names, so they keep to what both accept.</summary>
    public static bool IsValid(string? name) =>
        !string.IsNullOrEmpty(name) && name.Length <= 32 && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_');
}
