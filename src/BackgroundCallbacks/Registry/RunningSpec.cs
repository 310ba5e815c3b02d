using System.Text.Json;

namespace BackgroundCallbacks.Registry;

internal sealed record RunningSpec(DependencySpec Dependency, JsonElement WhileRunning, JsonElement WhenDone);
