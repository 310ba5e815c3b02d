using BackgroundCallbacks.Client;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the BackgroundCallbacks client.</summary>
public static class BackgroundCallbacksClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="BackgroundCallbacksClient"/> as a typed <see cref="HttpClient"/> client. Each resolved
    /// instance is one session with its own cookies; the pooled handler keeps none.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the server's address and the client's options.</param>
    /// <returns>The client's <see cref="IHttpClientBuilder"/>, to add handlers (a resilience pipeline, authentication) or configure the <see cref="HttpClient"/>.</returns>
    public static IHttpClientBuilder AddBackgroundCallbacksClient(this IServiceCollection services, Action<BackgroundCallbacksClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<BackgroundCallbacksClientOptions>()
            .Configure(configure)
            .Validate(o => o.BaseAddress is null or { IsAbsoluteUri: true }, "BackgroundCallbacksClientOptions.BaseAddress must be an absolute URI.")
            .Validate(o => o.MaxRetries >= 0 && o.MaxRetryDelay >= TimeSpan.Zero && o.LongPollWait >= TimeSpan.Zero, "BackgroundCallbacksClientOptions: retries and delays must not be negative.");
        services.TryAddSingleton(TimeProvider.System);
        return services
            .AddHttpClient(nameof(BackgroundCallbacksClient))
            .AddTypedClient((http, provider) =>
                new BackgroundCallbacksClient(http, provider.GetRequiredService<IOptions<BackgroundCallbacksClientOptions>>().Value, provider.GetRequiredService<TimeProvider>()))
            // The factory pools handlers across clients: a cookie jar there would be one session for all of them.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { UseCookies = false });
    }
}
