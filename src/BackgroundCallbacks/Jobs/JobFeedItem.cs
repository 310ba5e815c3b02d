namespace BackgroundCallbacks.Jobs;

/// <summary>One item of a <see cref="JobFeed"/>.</summary>
/// <param name="Kind">What the item says.</param>
/// <param name="Index">The position of the job in the followed list, for <see cref="JobFeedItemKind.Job"/> and <see cref="JobFeedItemKind.Error"/>; else -1.</param>
/// <param name="View">The job as its follower sees it, for <see cref="JobFeedItemKind.Job"/>.</param>
/// <param name="Delivered">For <see cref="JobFeedItemKind.Job"/>: the version delivered of every listed job, this one included, in list order.</param>
internal readonly record struct JobFeedItem(JobFeedItemKind Kind, int Index, JobView? View, IReadOnlyList<long>? Delivered);
