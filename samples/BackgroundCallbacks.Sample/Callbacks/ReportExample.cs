using System.Text.Json.Serialization;
using BackgroundCallbacks.Mcp;

namespace BackgroundCallbacks.Sample.Callbacks;

/// <summary>How much a report says.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ReportFormat>))]
public enum ReportFormat
{
    Summary,
    Detailed,
}

/// <summary>The days a report covers, both included.</summary>
public sealed record ReportPeriod(DateOnly From, DateOnly To);

/// <summary>
/// A report built from typed settings (a title, a format, a period kept in a store component): the shape of work an
/// agent asks for by name over MCP (docs/mcp.md), with progress it can follow and a cancel that stops it. Results are
/// cached per owner: each user or session gets its own report.
/// </summary>
public sealed class ReportExample(IConfiguration configuration, ILogger<ReportExample> logger)
{
    private readonly SampleDelay _delay = new(configuration);

    [BackgroundCallback("report", PreventInitialCall = true, CacheBy = new[] { BuiltInCacheBy.LaunchId }, ExpireSeconds = 300)]
    [McpTool(Description = "Builds a sales report with a title, a format and a period; reports its progress step by step.")]
    [Output("report-result", "children")]
    [Input("report-run", "n_clicks")]
    [State("report-title", "value", Name = "title")]
    [State("report-format", "value", Name = "format")]
    [State("report-period", "data", Name = "period")]
    [Progress("report-progress", "children")]
    public async Task<string> Build(int? clicks, string title, ReportFormat format, ReportPeriod period, IProgress<string> progress, CancellationToken cancellationToken)
    {
        const int steps = 8;
        try
        {
            for (var step = 1; step <= steps; step++)
            {
                await _delay.WaitAsync(0.5, cancellationToken);
                progress.Report($"Step {step} of {steps}");
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Said on the console so that whoever cancelled can see the handler stop (the MCP tests read it).
            logger.LogWarning("Report '{Title}' stopped: its cancellation token fired", title);
            throw;
        }

        var days = period.To.DayNumber - period.From.DayNumber + 1;
        return format == ReportFormat.Detailed
            ? $"{title}: detailed report of {days} days, {period.From:yyyy-MM-dd} to {period.To:yyyy-MM-dd}"
            : $"{title}: summary of {days} days";
    }
}
