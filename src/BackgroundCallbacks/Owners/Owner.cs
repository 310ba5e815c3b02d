namespace BackgroundCallbacks.Owners;

/// <summary>Whom a job belongs to.</summary>
/// <param name="Id">The owner id stored with each job: <c>u:</c> and the user id, or <c>s:</c> and a digest of the session id.</param>
/// <param name="UserId">The authenticated user's id, or null.</param>
/// <param name="SessionId">
/// The session id the server issued, from the cookie: always present for an anonymous caller; for an authenticated
/// user only when the request carried one (see <see cref="OwnerResolver.Session"/>).
/// </param>
internal sealed record Owner(string Id, string? UserId, string? SessionId);
