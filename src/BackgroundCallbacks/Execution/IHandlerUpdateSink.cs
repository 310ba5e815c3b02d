namespace BackgroundCallbacks.Execution;

/// <summary>
/// Where a running handler's progress reports and <c>SetProps</c> calls go. The job side implements it; the handler's
/// side knows nothing of jobs or stores.
/// </summary>
internal interface IHandlerUpdateSink
{
    /// <summary>Takes one progress report: one value per progress output, in declaration order.</summary>
    void ReportProgress(object?[] values);

    /// <summary>Takes one <c>SetProps</c> call; throws when the job can no longer take updates.</summary>
    void SetProps(string componentId, object props);
}
