using System.Text.Json.Nodes;

namespace BackgroundCallbacks.Tests.Infrastructure;

public static class Json
{
    public static string Status(this JsonObject body) => body["status"]!.GetValue<string>();

    public static long Version(this JsonObject body) => body["version"]!.GetValue<long>();

    public static string? Str(this JsonNode? node) => node?.GetValue<string>();
}
