namespace BackgroundCallbacks.ServerSide;

/// <summary>
/// The stores of server-side values by name. <see cref="DefaultName"/> always exists: in memory on the embedded
/// backend, in Redis with <c>UseRedis</c>. Each store is made on first use.
/// </summary>
internal sealed class ValueStores : IDisposable
{
    public const string DefaultName = "default";

    private readonly Dictionary<string, Lazy<IValueStore>> _stores = new(StringComparer.Ordinal);

    public ValueStores(IEnumerable<ValueStoreRegistration> registrations, IServiceProvider services)
    {
        foreach (var registration in registrations)
        {
            _stores[registration.Name] = new Lazy<IValueStore>(() => registration.Create(services));
        }
    }

    public IEnumerable<string> Names => _stores.Keys;

    public bool Contains(string name) => _stores.ContainsKey(name);

    public IValueStore Get(string name) =>
        _stores.TryGetValue(name, out var store) ? store.Value : throw new InvalidOperationException($"There is no store of server-side values named '{name}'.");

    public void Dispose()
    {
        foreach (var store in _stores.Values.Where(s => s.IsValueCreated))
        {
            (store.Value as IDisposable)?.Dispose();
        }
    }

    /// <summary>Store names go into references: short, and made of characters a reference can carry as they are.</summary>
    public static bool IsValidName(string? name) =>
        name is { Length: > 0 and <= 32 } && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '_');
}
