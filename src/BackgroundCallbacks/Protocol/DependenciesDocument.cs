using System.Text.Json;
using BackgroundCallbacks.Registry;

namespace BackgroundCallbacks.Protocol;

/// <summary>The callback map the browser client loads, written once: it changes only when the app restarts.</summary>
internal static class DependenciesDocument
{
    public static byte[] Build(CallbackRegistry registry, string prefix, TimeSpan heartbeat)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            writer.WriteNumber("protocol", 1);
            writer.WriteString("prefix", prefix);

            // The event stream's longest silence: a client that hears nothing for much longer knows its stream is dead.
            writer.WriteNumber("heartbeat", (long)heartbeat.TotalMilliseconds);
            writer.WriteStartArray("callbacks");
            foreach (var callback in registry.All.OrderBy(c => c.Id, StringComparer.Ordinal))
            {
                writer.WriteStartObject();
                writer.WriteString("id", callback.Id);
                WriteArguments(writer, "inputs", callback.InputArguments);
                WriteArguments(writer, "state", callback.StateArguments);
                WriteDependencies(writer, "outputs", callback.Outputs);
                writer.WriteStartArray("running");
                foreach (var running in callback.Running)
                {
                    writer.WriteStartObject();
                    WriteDependency(writer, running.Dependency);
                    writer.WritePropertyName("whileRunning");
                    running.WhileRunning.WriteTo(writer);
                    if (running.Restore)
                    {
                        // The client reads the value as the job starts and writes it back when it ends.
                        writer.WriteBoolean("restore", true);
                    }
                    else
                    {
                        writer.WritePropertyName("whenDone");
                        running.WhenDone.WriteTo(writer);
                    }

                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteStartArray("progress");
                foreach (var progress in callback.Progress)
                {
                    writer.WriteStartObject();
                    WriteDependency(writer, progress.Dependency);
                    writer.WritePropertyName("default");
                    progress.Default.WriteTo(writer);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                WriteDependencies(writer, "cancel", callback.Cancel);
                writer.WriteNumber("interval", callback.Interval);
                writer.WriteBoolean("preventInitialCall", callback.PreventInitialCall);
                if (callback.Inline)
                {
                    writer.WriteBoolean("inline", true);
                }
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return stream.ToArray();
    }

    private static void WriteArguments(Utf8JsonWriter writer, string name, IEnumerable<ArgumentSpec> arguments)
    {
        writer.WriteStartArray(name);
        foreach (var argument in arguments)
        {
            writer.WriteStartObject();
            WriteDependency(writer, argument.Dependency);
            writer.WriteString("name", argument.Name);
            if (argument.Dependency.Optional)
            {
                // The client sends null for a component the page lacks instead of not running the callback.
                writer.WriteBoolean("optional", true);
            }

            if (argument.IsTrigger)
            {
                // The client sends and triggers it as any input; the flag is for readers of the map, not for the client.
                writer.WriteBoolean("trigger", true);
            }

            if (argument.IsFile)
            {
                writer.WriteBoolean("file", true);
            }
            else if (argument.IsReference)
            {
                writer.WriteBoolean("serverSide", true);
            }
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static void WriteDependencies(Utf8JsonWriter writer, string name, IEnumerable<DependencySpec> dependencies)
    {
        writer.WriteStartArray(name);
        foreach (var dependency in dependencies)
        {
            writer.WriteStartObject();
            WriteDependency(writer, dependency);
            if (dependency.Store is not null)
            {
                // The client keeps a reference, not a value: it must not render it.
                writer.WriteBoolean("serverSide", true);
            }

            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    }

    private static void WriteDependency(Utf8JsonWriter writer, DependencySpec dependency)
    {
        ComponentValues.WriteId(writer, dependency.ComponentId);
        writer.WriteString("property", dependency.Property);
    }
}
