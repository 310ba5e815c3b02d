namespace BackgroundCallbacks.Execution;

/// <summary>
/// The <see cref="IProgress{T}"/> a handler receives. A report is split into one value per progress output on the
/// handler's thread and handed to the sink, which writes it out before the handler can change the value.
/// </summary>
internal sealed class ProgressReporter<T>(int outputCount, IHandlerUpdateSink sink) : IProgress<T>
{
    public void Report(T value)
    {
        var values = outputCount == 1 && value is not object?[]
            ? [value]
            : ReturnedValues.Split(value, outputCount, "progress");
        if (values is not null)
        {
            sink.ReportProgress(values);
        }
    }
}
