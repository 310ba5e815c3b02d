namespace BackgroundCallbacks.LoadTest;

/// <summary>One answer: its HTTP status (0 when no answer came) and its body when it was a 200 or a 202.</summary>
internal readonly record struct Reply(int Status, JobState? State);
