namespace BackgroundCallbacks.Tests;

/// <summary>Tests that touch Hangfire's process-wide statics run alone, never beside another test class.</summary>
[CollectionDefinition(nameof(HangfireStaticsCollection), DisableParallelization = true)]
public sealed class HangfireStaticsCollection;
