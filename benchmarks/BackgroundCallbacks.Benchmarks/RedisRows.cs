using System.Globalization;

namespace BackgroundCallbacks.Benchmarks;

/// <summary>
/// The per-round figures of each row, library and baseline side by side, printed as a Markdown table: the median over
/// rounds with its spread (min–max), and the ratio library / baseline as the median of the per-round ratios (each round
/// measured both sides back to back) with their spread.
/// </summary>
internal sealed class RedisRows
{
    private readonly List<string> _order = [];
    private readonly Dictionary<string, (List<double> Library, List<double> Baseline, string BaselineName)> _rows = new(StringComparer.Ordinal);

    public void Add(string row, string baselineName, double library, double baseline)
    {
        if (!_rows.TryGetValue(row, out var figures))
        {
            figures = ([], [], baselineName);
            _rows[row] = figures;
            _order.Add(row);
        }

        figures.Library.Add(library);
        figures.Baseline.Add(baseline);
    }

    public void Print(TextWriter output)
    {
        output.WriteLine("| row | baseline | library, median (min–max) | baseline, median (min–max) | library / baseline, median (min–max) |");
        output.WriteLine("|---|---|---:|---:|---:|");
        foreach (var row in _order)
        {
            var (library, baseline, baselineName) = _rows[row];
            // A baseline of zero (raw Hangfire runs no scripts) has no ratio.
            var ratios = library.Zip(baseline, (l, b) => l / b).ToList();
            var ratio = ratios.All(double.IsFinite)
                ? string.Create(CultureInfo.InvariantCulture, $"{Median(ratios):F2}× ({ratios.Min():F2}–{ratios.Max():F2})")
                : "n/a";
            output.WriteLine($"| {row} | {baselineName} | {Spread(library)} | {Spread(baseline)} | {ratio} |");
        }
    }

    public static double Median(IReadOnlyCollection<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN
            : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2]
            : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>The nearest-rank percentile <paramref name="p"/> (0–100) of <paramref name="values"/>.</summary>
    public static double Percentile(IReadOnlyCollection<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    private static string Spread(List<double> values) => $"{Number(Median(values))} ({Number(values.Min())}–{Number(values.Max())})";

    private static string Number(double value) => value.ToString(
        Math.Abs(value) >= 100 ? "F0" : Math.Abs(value) >= 10 ? "F1" : "F2",
        CultureInfo.InvariantCulture);
}
