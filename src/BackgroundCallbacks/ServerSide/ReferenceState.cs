namespace BackgroundCallbacks.ServerSide;

/// <summary>What a caller is told of a reference it sent.</summary>
internal enum ReferenceState
{
    /// <summary>The value exists and the caller may read it.</summary>
    Readable,

    /// <summary>Not a reference at all.</summary>
    Malformed,

    /// <summary>No such value, or one the caller may not read: the two are told alike, so a reference's existence leaks to nobody.</summary>
    NotFound,

    /// <summary>The caller's value existed and expired (or was evicted): told only to a caller who may read it.</summary>
    Expired,
}
