namespace BackgroundCallbacks;

/// <summary>
/// One component an ALL input or state matched: its concrete id and its value. A handler parameter of type
/// <c>IReadOnlyList&lt;Matched&lt;T&gt;&gt;</c> or <c>Matched&lt;T&gt;[]</c> receives one per matching component, in
/// document order, so it can tell which row a value came from, and tell apart two rows holding the same value.
/// </summary>
/// <typeparam name="T">The type each value is read as, as for a parameter that takes the values alone.</typeparam>
public sealed class Matched<T>
{
    /// <summary>Initializes a new instance of the <see cref="Matched{T}"/> class.</summary>
    /// <param name="id">The component's concrete id.</param>
    /// <param name="value">The component's value.</param>
    public Matched(ComponentId id, T value)
    {
        ArgumentNullException.ThrowIfNull(id);
        Id = id;
        Value = value;
    }

    /// <summary>Gets the component's concrete id, for example <c>{"index":3,"type":"row-size"}</c>.</summary>
    public ComponentId Id { get; }

    /// <summary>Gets the component's value.</summary>
    public T Value { get; }

    /// <summary>Splits the pair, as in <c>foreach (var (id, value) in rows)</c>.</summary>
    /// <param name="id">The component's concrete id.</param>
    /// <param name="value">The component's value.</param>
    public void Deconstruct(out ComponentId id, out T value)
    {
        id = Id;
        value = Value;
    }

    /// <summary>Returns the id and the value, for logs and debugging.</summary>
    /// <returns>The id, a colon and the value.</returns>
    public override string ToString() => $"{Id}: {Value}";
}
