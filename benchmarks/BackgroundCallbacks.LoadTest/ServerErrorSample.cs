namespace BackgroundCallbacks.LoadTest;

/// <summary>A 5xx answer as the client got it, for the report.</summary>
internal sealed record ServerErrorSample(string Request, int Status, string Body, double AtSecond);
