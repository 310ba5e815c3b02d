using System.Text.Json;

namespace BackgroundCallbacks.Registry;

/// <param name="Dependency">The property set while the job runs.</param>
/// <param name="WhileRunning">Its value while the job runs.</param>
/// <param name="WhenDone">Its value once the job ended; undefined when <paramref name="Restore"/> is set.</param>
/// <param name="Restore">Whether the client writes back the value the property had when the job started instead.</param>
internal sealed record RunningSpec(DependencySpec Dependency, JsonElement WhileRunning, JsonElement WhenDone, bool Restore = false);
