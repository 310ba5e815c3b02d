namespace BackgroundCallbacks.Client;

/// <summary>
/// The prefix the app passed to <c>MapBackgroundCallbacks</c>, kept for the script URL helper: views ask for the URL
/// long after mapping, and only the mapping knows the prefix. An app that maps the endpoints twice gets the first.
/// </summary>
internal sealed class ClientScriptPrefix
{
    private string? _prefix;

    public string? Value => Volatile.Read(ref _prefix);

    public void Record(string prefix) => Interlocked.CompareExchange(ref _prefix, prefix, null);
}
