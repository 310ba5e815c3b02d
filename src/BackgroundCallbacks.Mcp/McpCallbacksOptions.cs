namespace BackgroundCallbacks.Mcp;

/// <summary>Which callbacks become Model Context Protocol tools, and how long a tool call waits for its job.</summary>
public sealed class McpCallbacksOptions
{
    /// <summary>
    /// Whether every callback an agent can call becomes a tool, not only those marked with <see cref="McpToolAttribute"/>
    /// or named in <see cref="Callbacks"/>. Callbacks that cannot be tools are left out either way (see docs/mcp.md).
    /// </summary>
    /// <value>The default is false: a callback is a tool only when the app opts it in.</value>
    public bool ExposeAllCallbacks { get; set; }

    /// <summary>
    /// Ids of callbacks to expose besides those marked with <see cref="McpToolAttribute"/>; the way to opt in callbacks
    /// built in code with <c>MapBackgroundCallback</c>.
    /// </summary>
    /// <value>Empty by default.</value>
    public ICollection<string> Callbacks { get; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>Ids of callbacks never to expose, whatever else says so.</summary>
    /// <value>Empty by default.</value>
    public ICollection<string> ExcludedCallbacks { get; } = new HashSet<string>(StringComparer.Ordinal);

    /// <summary>
    /// How long a tool call waits for its job to end, and the longest a <c>job_result</c> call may wait. Past it, the call
    /// answers with a handle (with the job's status and last progress) that the <c>job_result</c> and <c>job_cancel</c>
    /// tools take; the job goes on.
    /// </summary>
    /// <value>The default is one minute.</value>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The largest server-side value, in bytes, that <c>resources/read</c> returns: the JSON text of a JSON value, the
    /// elements' bytes of an array of numbers (sent as base64, a third more). A larger value gets an error naming its
    /// size and this limit instead of a message that large.
    /// </summary>
    /// <value>The default is 16 MiB.</value>
    public long MaxResourceSize { get; set; } = 16 * 1024 * 1024;
}
