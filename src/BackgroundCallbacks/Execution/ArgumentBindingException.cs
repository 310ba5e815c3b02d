namespace BackgroundCallbacks.Execution;

/// <summary>An argument value that does not fit its handler parameter; the protocol answers it with 400.</summary>
internal sealed class ArgumentBindingException : Exception
{
    public ArgumentBindingException(string message) : base(message) { }

    public ArgumentBindingException(string message, Exception innerException) : base(message, innerException) { }
}
