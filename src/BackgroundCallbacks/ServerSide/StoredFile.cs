namespace BackgroundCallbacks.ServerSide;

/// <summary>What the server stored of an uploaded file: its descriptor is the value a file reference names.</summary>
/// <param name="Name">The file's name as the browser gave it; shown back, never used as a path.</param>
/// <param name="ContentType">The type the browser declared (checked against the bytes' signature where one is known).</param>
/// <param name="Length">The bytes stored.</param>
/// <param name="LastModified">The file's time, in milliseconds since 1970, when the browser gave it.</param>
/// <param name="Sha256">The lowercase hex SHA-256 of the bytes, computed by the server.</param>
/// <param name="Content">The id of the value holding the bytes, in the same store.</param>
internal sealed record StoredFile(string Name, string ContentType, long Length, long? LastModified, string Sha256, string Content);
