using System.Reflection;
using Microsoft.Extensions.Hosting;

namespace BackgroundCallbacks;

/// <summary>
/// The application's own assembly, the one <see cref="BackgroundCallbacksOptions.ScanEntryAssembly"/> scans and whose
/// version the <c>app-version</c> cache-by provider reads. It is named by <see cref="IHostEnvironment.ApplicationName"/>,
/// as MVC finds its application parts: under a test host (<c>WebApplicationFactory&lt;Program&gt;</c>) the entry
/// assembly is the test runner, but the application name is still the app's.
/// </summary>
internal static class ApplicationAssembly
{
    public static Assembly? Of(IHostEnvironment? environment)
    {
        if (environment?.ApplicationName is { Length: > 0 } name)
        {
            try
            {
                return Assembly.Load(new AssemblyName(name));
            }
            catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException or ArgumentException)
            {
                // An application name that is not an assembly (set by hand): fall back to the entry assembly.
            }
        }

        return Assembly.GetEntryAssembly();
    }
}
