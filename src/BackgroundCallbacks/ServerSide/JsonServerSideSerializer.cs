using System.Text.Json;

namespace BackgroundCallbacks.ServerSide;

/// <summary>The default format of server-side values: JSON with the app's serializer options, streamed both ways.</summary>
internal sealed class JsonServerSideSerializer(JsonSerializerOptions options) : IServerSideSerializer
{
    public string Format => "json";

    public ValueTask SerializeAsync(Stream destination, object? value, Type type, CancellationToken cancellationToken) =>
        new(JsonSerializer.SerializeAsync(destination, value, type, options, cancellationToken));

    public ValueTask<object?> DeserializeAsync(Stream source, Type type, CancellationToken cancellationToken) =>
        JsonSerializer.DeserializeAsync(source, type, options, cancellationToken);
}
