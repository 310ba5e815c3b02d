namespace BackgroundCallbacks.Jobs;

/// <summary>What a <see cref="JobFeedItem"/> says.</summary>
internal enum JobFeedItemKind
{
    /// <summary>Every listed job was read once: the backend answered, so a door may start its answer.</summary>
    Opened,

    /// <summary>A job has news: its view, newer than what the feed delivered of it before.</summary>
    Job,

    /// <summary>A handle that does not exist, has expired or belongs to another owner, told alike; it is not followed further.</summary>
    Error,

    /// <summary>The heartbeat interval passed with nothing delivered.</summary>
    Heartbeat,

    /// <summary>Every job has ended and its last state was delivered (or it was an error); nothing follows.</summary>
    End,
}
