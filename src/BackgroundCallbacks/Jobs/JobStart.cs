namespace BackgroundCallbacks.Jobs;

/// <summary>What <see cref="IJobStore.TryStartAsync"/> answers: the run's attempt, the job's record and whether it was cancelled.</summary>
/// <param name="Attempt">
/// The new run's attempt number (1, 2, …); 0 when the job has ended or does not exist; <see cref="IJobStore.DuplicateRun"/>
/// for a second queue entry of a job that runs already.
/// </param>
/// <param name="Record">The job's record, so the worker needs no read of its own; null when the job does not exist.</param>
/// <param name="Canceled">Whether the job had been cancelled before this start (the attempt is 0 then).</param>
internal sealed record JobStart(int Attempt, JobRecord? Record, bool Canceled);
