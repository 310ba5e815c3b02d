namespace BackgroundCallbacks.Jobs;

/// <summary>What admission did: joined an unended job with the same key, or created the job.</summary>
/// <param name="JobId">The job the follower now follows.</param>
/// <param name="Joined">True when the follower joined a job another invocation created.</param>
/// <param name="Status">The job's status at admission.</param>
internal sealed record AdmissionResult(string JobId, bool Joined, JobStatus Status);
