using System.Globalization;

namespace BackgroundCallbacks.LoadTest;

/// <summary>
/// One row of the latency benchmark: the samples of the library and of its baseline, per round, and the table that
/// compares them (the median of the rounds' p50s, their spread, and the ratio round by round).
/// </summary>
internal sealed class LatencyRow(string title)
{
    private readonly List<(bool LibraryFirst, List<double> Library, List<double> Baseline)> _rounds = [];

    public void Add(bool libraryFirst, List<double> library, List<double> baseline) => _rounds.Add((libraryFirst, library, baseline));

    public void Print(TextWriter writer, bool withP99)
    {
        writer.WriteLine();
        writer.WriteLine(title + " (ms)");
        writer.WriteLine(withP99
            ? "| round | first | library p50 | library p99 | baseline p50 | baseline p99 | ratio p50 | ratio p99 |"
            : "| round | first | library p50 | baseline p50 | ratio p50 |");
        writer.WriteLine(withP99 ? "|---|---|---:|---:|---:|---:|---:|---:|" : "|---|---|---:|---:|---:|");
        for (var i = 0; i < _rounds.Count; i++)
        {
            var (libraryFirst, library, baseline) = _rounds[i];
            var first = libraryFirst ? "library" : "baseline";
            var (l50, b50) = (Percentile(library, 0.50), Percentile(baseline, 0.50));
            if (withP99)
            {
                var (l99, b99) = (Percentile(library, 0.99), Percentile(baseline, 0.99));
                writer.WriteLine(Invariant($"| {i + 1} | {first} | {l50:F2} ({library.Count}) | {l99:F2} | {b50:F2} ({baseline.Count}) | {b99:F2} | {l50 / b50:F2} | {l99 / b99:F2} |"));
            }
            else
            {
                writer.WriteLine(Invariant($"| {i + 1} | {first} | {l50:F2} ({library.Count}) | {b50:F2} ({baseline.Count}) | {l50 / b50:F2} |"));
            }
        }

        var library50 = _rounds.Select(r => Percentile(r.Library, 0.50)).ToList();
        var baseline50 = _rounds.Select(r => Percentile(r.Baseline, 0.50)).ToList();
        var ratio50 = _rounds.Select(r => Percentile(r.Library, 0.50) / Percentile(r.Baseline, 0.50)).ToList();
        if (withP99)
        {
            var library99 = _rounds.Select(r => Percentile(r.Library, 0.99)).ToList();
            var baseline99 = _rounds.Select(r => Percentile(r.Baseline, 0.99)).ToList();
            var ratio99 = _rounds.Select(r => Percentile(r.Library, 0.99) / Percentile(r.Baseline, 0.99)).ToList();
            writer.WriteLine($"| median of rounds (spread) | | {Spread(library50)} | {Spread(library99)} | {Spread(baseline50)} | {Spread(baseline99)} | {Spread(ratio50)} | {Spread(ratio99)} |");
        }
        else
        {
            writer.WriteLine($"| median of rounds (spread) | | {Spread(library50)} | {Spread(baseline50)} | {Spread(ratio50)} |");
        }

        var allLibrary = _rounds.SelectMany(r => r.Library).ToList();
        var allBaseline = _rounds.SelectMany(r => r.Baseline).ToList();
        writer.WriteLine(Invariant($"all rounds pooled: library p50 {Percentile(allLibrary, 0.50):F2} / p99 {Percentile(allLibrary, 0.99):F2} / max {allLibrary.DefaultIfEmpty(double.NaN).Max():F2} ({allLibrary.Count} samples); ") +
            Invariant($"baseline p50 {Percentile(allBaseline, 0.50):F2} / p99 {Percentile(allBaseline, 0.99):F2} / max {allBaseline.DefaultIfEmpty(double.NaN).Max():F2} ({allBaseline.Count} samples)"));
        if (allLibrary.Concat(allBaseline).Any(l => l < 0))
        {
            writer.WriteLine("warning: a negative sample: the processes' timestamps are not on one clock here");
        }
    }

    /// <summary>The nearest-rank percentile; NaN without samples.</summary>
    public static double Percentile(IReadOnlyCollection<double> samples, double q)
    {
        if (samples.Count == 0)
        {
            return double.NaN;
        }

        var sorted = samples.Order().ToArray();
        return sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    private static string Spread(List<double> values) =>
        Invariant($"{Percentile(values, 0.5):F2} ({values.Min():F2}–{values.Max():F2})");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
