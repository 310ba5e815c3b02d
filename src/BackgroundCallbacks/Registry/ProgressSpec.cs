using System.Text.Json;

namespace BackgroundCallbacks.Registry;

internal sealed record ProgressSpec(DependencySpec Dependency, JsonElement Default);
