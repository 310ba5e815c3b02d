using System.Globalization;
using System.Text;

namespace BackgroundCallbacks.Sample.Callbacks;

/// <summary>
/// Dash's "file processing with progress": a CSV is uploaded (the browser client sends the bytes to the upload
/// endpoint, the invocation carries only a reference), then processed in chunks by a job that reports how far it got,
/// and summarised. Unlike dcc.Upload, the file is never base64 in a callback's JSON and never whole in memory.
/// </summary>
public sealed class UploadExample(IConfiguration configuration)
{
    /// <summary>How many progress reports a file makes at most, so a large file does not flood the job's history.</summary>
    private const int Reports = 20;

    private readonly SampleDelay _delay = new(configuration);

    [BackgroundCallback("process-csv", PreventInitialCall = true)]
    [Output("upload-rows", "children")]
    [Output("upload-columns", "children")]
    [Output("upload-sums", "children")]
    [Input("process", "n_clicks")]
    [State("csv-file", "files")]
    [Running("process", "disabled", true, false)]
    [Running("process-bar", "style", """{"visibility":"visible"}""", """{"visibility":"hidden"}""", Json = true)]
    [Progress("process-bar", "value")]
    [Progress("process-bar", "max")]
    public async Task<(string Rows, string Columns, string Sums)> Process(
        IProgress<(long Value, long Max)> setProgress, int? clicks, IFormFile? file, CancellationToken cancellationToken)
    {
        if (file is null)
        {
            throw new PreventUpdateException();
        }

        // Progress counts bytes: the line count is not known before the end, the length is.
        var length = Math.Max(file.Length, 1);
        var chunk = Math.Max(length / Reports, 1);
        var nextReport = chunk;
        long read = 0;
        long rows = 0;
        string[] columns = [];
        double[] sums = [];
        bool[] numeric = [];

        using var reader = new StreamReader(file.OpenReadStream(), Encoding.UTF8);
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            // The bytes of the line and its line feed; a CR of CRLF files is left out, close enough for a bar.
            read += Encoding.UTF8.GetByteCount(line) + 1;
            if (line.Length == 0)
            {
                continue;
            }

            // A plain split: the sample CSV quotes nothing. A real importer would use a CSV parser.
            var fields = line.Split(',');
            if (columns.Length == 0)
            {
                columns = [.. fields.Select(f => f.Trim())];
                sums = new double[columns.Length];
                numeric = [.. columns.Select(_ => true)];
                continue;
            }

            rows++;
            for (var i = 0; i < columns.Length; i++)
            {
                // A column is numeric while every row so far has a number in it.
                if (!numeric[i])
                {
                    continue;
                }

                if (i < fields.Length && double.TryParse(fields[i], NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
                {
                    sums[i] += number;
                }
                else
                {
                    numeric[i] = false;
                }
            }

            if (read >= nextReport)
            {
                setProgress.Report((Math.Min(read, length), length));
                nextReport += chunk;
                // The work of a real import, which a few megabytes of CSV would not take long enough to show.
                await _delay.WaitAsync(0.1, cancellationToken);
            }
        }

        setProgress.Report((length, length));
        var totals = columns.Select((name, i) => numeric[i] ? $"{name} {sums[i].ToString("0.##", CultureInfo.InvariantCulture)}" : null)
            .OfType<string>()
            .ToList();
        return (rows.ToString(CultureInfo.InvariantCulture),
                $"{columns.Length}: {string.Join(", ", columns)}",
                totals.Count == 0 ? "No numeric column" : string.Join(" · ", totals));
    }

    // A drop zone is a file binding too: dropping a file uploads it, and the callback that takes it as an input runs.
    [BackgroundCallback("count-dropped", PreventInitialCall = true)]
    [Output("drop-lines", "children")]
    [Input("csv-drop", "files")]
    public static async Task<string> CountDropped(IFormFile? file, CancellationToken cancellationToken)
    {
        if (file is null)
        {
            throw new PreventUpdateException();
        }

        using var reader = new StreamReader(file.OpenReadStream(), Encoding.UTF8);
        var lines = 0;
        while (await reader.ReadLineAsync(cancellationToken) is not null)
        {
            lines++;
        }

        return $"{file.FileName}: {lines.ToString(CultureInfo.InvariantCulture)} lines";
    }
}
