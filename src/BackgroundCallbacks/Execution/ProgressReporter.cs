using System.Text.Json;
using BackgroundCallbacks.Jobs;
using BackgroundCallbacks.Registry;

namespace BackgroundCallbacks.Execution;

/// <summary>
/// The <see cref="IProgress{T}"/> a handler receives. Each report is written out at once, on the handler's thread,
/// so the value is captured as it was, and handed to the job's update writer.
/// </summary>
internal sealed class ProgressReporter<T>(IReadOnlyList<DependencySpec> dependencies, JobUpdateWriter writer, JsonSerializerOptions json) : IProgress<T>
{
    public void Report(T value)
    {
        var values = dependencies.Count == 1 && value is not object?[]
            ? [value]
            : DependencyValues.Split(value, dependencies.Count, "progress");
        if (values is null)
        {
            return;
        }

        writer.ReportProgress(DependencyValues.Write(dependencies, values, json));
    }
}
