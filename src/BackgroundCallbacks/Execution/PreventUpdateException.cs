namespace BackgroundCallbacks;

/// <summary>
/// Thrown by a handler to end its job without changing any output (Dash's <c>PreventUpdate</c>).
/// The job succeeds with no outputs; side updates made before it are kept.
/// </summary>
public sealed class PreventUpdateException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PreventUpdateException() : base("The callback prevented the update.") { }

    /// <summary>Creates the exception with a message.</summary>
    /// <param name="message">A message for logs.</param>
    public PreventUpdateException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and an inner exception.</summary>
    /// <param name="message">A message for logs.</param>
    /// <param name="innerException">The exception that led to this one.</param>
    public PreventUpdateException(string message, Exception innerException) : base(message, innerException) { }
}
