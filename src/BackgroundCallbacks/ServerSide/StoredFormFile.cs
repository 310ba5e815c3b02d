using Microsoft.AspNetCore.Http;

namespace BackgroundCallbacks.ServerSide;

/// <summary>
/// An uploaded file as a handler sees it: the framework's <see cref="IFormFile"/>, its bytes streamed from the value
/// store (opened before the handler runs, so the handler never blocks on the store). Its stream can be read once.
/// </summary>
internal sealed class StoredFormFile(StoredFile file, string name, Stream content) : IFormFile
{
    private Stream? _content = content;

    public string ContentType => file.ContentType;

    public string ContentDisposition => $"form-data; name=\"{name}\"; filename=\"{file.Name.Replace("\"", "", StringComparison.Ordinal)}\"";

    public IHeaderDictionary Headers { get; } = new HeaderDictionary();

    public long Length => file.Length;

    public string Name => name;

    public string FileName => file.Name;

    public Stream OpenReadStream() =>
        Interlocked.Exchange(ref _content, null) ?? throw new InvalidOperationException($"The stream of '{file.Name}' has been opened already; an uploaded file is read once.");

    public void CopyTo(Stream target)
    {
        using var source = OpenReadStream();
        source.CopyTo(target);
    }

    public async Task CopyToAsync(Stream target, CancellationToken cancellationToken = default)
    {
        var source = OpenReadStream();
        await using (source.ConfigureAwait(false))
        {
            await source.CopyToAsync(target, cancellationToken).ConfigureAwait(false);
        }
    }
}
