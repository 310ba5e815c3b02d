namespace BackgroundCallbacks.Owners;

/// <summary>Whom a job belongs to.</summary>
/// <param name="Id">The owner id stored with each job: <c>u:</c> and the user id, or <c>s:</c> and a digest of the session id.</param>
/// <param name="UserId">The authenticated user's id, or null.</param>
/// <param name="SessionId">The anonymous session id from the cookie, present for every request.</param>
internal sealed record Owner(string Id, string? UserId, string SessionId);
