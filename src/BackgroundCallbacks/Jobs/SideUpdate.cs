namespace BackgroundCallbacks.Jobs;

/// <summary>One <c>SetProps</c> call, stamped with the job version it created.</summary>
internal sealed record SideUpdate(long Version, string ComponentId, string PropsJson);
