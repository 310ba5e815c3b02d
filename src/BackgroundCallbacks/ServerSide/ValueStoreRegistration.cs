namespace BackgroundCallbacks.ServerSide;

/// <summary>A named store of server-side values, made when first needed; a later registration of a name replaces an earlier one.</summary>
internal sealed record ValueStoreRegistration(string Name, Func<IServiceProvider, IValueStore> Create);
