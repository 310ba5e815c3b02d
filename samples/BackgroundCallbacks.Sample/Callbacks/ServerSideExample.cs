using System.Globalization;
using BackgroundCallbacks.Mcp;

namespace BackgroundCallbacks.Sample.Callbacks;

/// <summary>
/// dash-extensions' ServersideOutput benchmark: one callback builds a data set, another summarises it. In "server-side"
/// mode the rows stay on the server and the page holds a reference; in "round trip" mode they travel to the browser
/// and back as JSON, which is what the benchmark measures. All four run inline, as plain Dash callbacks do.
/// </summary>
public static class ServerSideExample
{
    /// <summary>The most rows the page may ask for: more would not round-trip within the limits set in Program.cs.</summary>
    public const int MaxRows = 1_000_000;

    // The rows go to the file-system store "disk" and the small timestamp to the default in-memory store: the
    // per-output choice the dash-extensions thread asks for (a disk cache for large blocks, memory for small ones).
    [BackgroundCallback("server-side-build", Inline = true, PreventInitialCall = true)]
    [Output("ss-rows", "data", ServerSide = true, Store = "disk")]
    [Output("ss-started", "data", ServerSide = true)]
    [Input("ss-run", "n_clicks")]
    [State("ss-size", "value")]
    [State("ss-mode", "value")]
    [Running("ss-run", "disabled", true, false)]
    public static (double[] Rows, DateTimeOffset Started) BuildServerSide(int? clicks, string size, string mode) =>
        mode == "server-side" ? Build(size) : throw new PreventUpdateException();

    [BackgroundCallback("server-side-summary", Inline = true, PreventInitialCall = true)]
    [Output("ss-count", "children", AllowDuplicate = true)]
    [Output("ss-mean", "children", AllowDuplicate = true)]
    [Output("ss-elapsed", "children", AllowDuplicate = true)]
    [Input("ss-rows", "data")]
    [State("ss-started", "data")]
    public static (int Count, string Mean, string Elapsed) SummariseServerSide(double[] rows, DateTimeOffset started) =>
        Summarise(rows, started);

    // The same pair with plain outputs: the rows are sent to the page and posted back by it.
    [BackgroundCallback("round-trip-build", Inline = true, PreventInitialCall = true)]
    [Output("rt-rows", "data")]
    [Output("rt-started", "data")]
    [Input("ss-run", "n_clicks")]
    [State("ss-size", "value")]
    [State("ss-mode", "value")]
    [Running("ss-run", "disabled", true, false)]
    public static (double[] Rows, DateTimeOffset Started) BuildRoundTrip(int? clicks, string size, string mode) =>
        mode == "round-trip" ? Build(size) : throw new PreventUpdateException();

    [BackgroundCallback("round-trip-summary", Inline = true, PreventInitialCall = true)]
    [Output("ss-count", "children", AllowDuplicate = true)]
    [Output("ss-mean", "children", AllowDuplicate = true)]
    [Output("ss-elapsed", "children", AllowDuplicate = true)]
    [Input("rt-rows", "data")]
    [State("rt-started", "data")]
    public static (int Count, string Mean, string Elapsed) SummariseRoundTrip(double[] rows, DateTimeOffset started) =>
        Summarise(rows, started);

    // For agents (docs/mcp.md): the same data set as a tool. Both outputs stay on the server, so the tool's result holds
    // links with a preview, and resources/read returns the values to the caller alone: the numbers as their bytes
    // (float64, little-endian), the summary as JSON.
    [BackgroundCallback("server-side-data", PreventInitialCall = true)]
    [McpTool(Description = "Builds a data set of random numbers between 0 and 1 (seeded by its size, at most 1,000,000) and keeps it on the server with a summary; returns links to read both.")]
    [Output("ss-data", "data", ServerSide = true, Store = "disk")]
    [Output("ss-data-summary", "data", ServerSide = true)]
    [Input("ss-data-size", "value")]
    public static (double[] Rows, Dictionary<string, double> Summary) BuildData(int size)
    {
        var (rows, _) = Build(size.ToString(CultureInfo.InvariantCulture));
        return (rows, new Dictionary<string, double> { ["count"] = rows.Length, ["mean"] = rows.Average(), ["min"] = rows.Min(), ["max"] = rows.Max() });
    }

    // The size is a <select>'s value, so it arrives as text.
    private static (double[] Rows, DateTimeOffset Started) Build(string text)
    {
        var started = DateTimeOffset.UtcNow;
        var size = int.Parse(text, CultureInfo.InvariantCulture);
        if (size is < 1 or > MaxRows)
        {
            throw new InvalidOperationException(
                string.Create(CultureInfo.InvariantCulture, $"This sample builds at most {MaxRows:N0} rows; {size:N0} is too many."));
        }

        // Seeded by the size, so both modes summarise the same data and their means can be compared.
        var random = new Random(size);
        var rows = new double[size];
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i] = random.NextDouble();
        }

        return (rows, started);
    }

    // The elapsed time runs from the build's start (the click's request) to here, so it includes every transfer
    // between the two callbacks: what the two modes differ in.
    private static (int Count, string Mean, string Elapsed) Summarise(double[] rows, DateTimeOffset started) =>
        (rows.Length,
         rows.Average().ToString("F6", CultureInfo.InvariantCulture),
         (DateTimeOffset.UtcNow - started).TotalSeconds.ToString("F3", CultureInfo.InvariantCulture) + " s");
}
