namespace BackgroundCallbacks.Sample.Callbacks;

/// <summary>
/// The "figure" of the progress chart examples: a single horizontal bar, drawn in the page by the custom renderer in
/// wwwroot/js/bar-chart.js. Dash draws a Plotly figure here; a bar needs no charting library.
/// </summary>
public sealed record BarFigure(double Value, double Max, string Label)
{
    public static BarFigure Of(int done, int total) => new(done, total, $"{done} of {total}");
}
