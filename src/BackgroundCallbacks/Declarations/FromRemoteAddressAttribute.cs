namespace BackgroundCallbacks;

/// <summary>
/// Binds a handler parameter (a <see cref="string"/> or a <see cref="System.Net.IPAddress"/>) to the address of the
/// client that sent the invocation, as the server saw it (behind a proxy, only with the forwarded-headers middleware);
/// null when unknown. The value is part of the cache key unless the parameter is named in <c>CacheArgsToIgnore</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Parameter, Inherited = false)]
public sealed class FromRemoteAddressAttribute : Attribute;
