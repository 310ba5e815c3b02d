using BackgroundCallbacks.Jobs;

namespace BackgroundCallbacks.Tests;

/// <summary>
/// A long poll woken by a change message answers from the view it read and the message only when the message says all
/// the change did, at the version right after the one read; anything else is read.
/// </summary>
public sealed class JobChangeShortcutTests
{
    private static readonly JobView Running = new(
        "job-a", "cb", "owner", JobStatus.Running, Version: 5, ProgressJson: null, ProgressVersion: 4, ProgressReports: [], SideUpdates: [],
        OutputsJson: null, Error: null, CancelReason: null);

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // a follower that takes the progress log too (MCP)
    public void A_success_with_its_outputs_at_the_next_version_is_told_from_the_view_read(bool withProgressLog)
    {
        var told = JobService.Told(Running, new JobChange(6, JobStatus.Succeeded, OutputsJson: "[1]"), withProgressLog);

        Assert.Equal(Running with { Status = JobStatus.Succeeded, Version = 6, OutputsJson = "[1]" }, told);
    }

    [Fact]
    public void A_success_is_told_with_nothing_newer_than_the_version_read_as_a_read_after_it_would_give()
    {
        // A stream's last view may carry what was news after an older version; a read after its own version has none of it.
        var delivered = Running with { ProgressJson = "[1]", ProgressVersion = 5, SideUpdates = [new SideUpdate(5, "box", "{}")], ProgressReports = [new ProgressReport(5, 1, "[1]")] };

        var told = JobService.Succeeded(delivered, new JobChange(6, JobStatus.Succeeded, OutputsJson: "[1]"));

        Assert.NotNull(told);
        Assert.Null(told.ProgressJson);
        Assert.Equal(5, told.ProgressVersion);
        Assert.Empty(told.SideUpdates);
        Assert.Empty(told.ProgressReports);
        Assert.Equal("[1]", told.OutputsJson);
    }

    [Fact]
    public void A_success_after_a_change_the_waiter_has_not_seen_is_read()
    {
        Assert.Null(JobService.Told(Running, new JobChange(7, JobStatus.Succeeded, OutputsJson: "[1]"), withProgressLog: false));
    }

    [Fact]
    public void A_success_whose_outputs_the_message_does_not_carry_is_read()
    {
        Assert.Null(JobService.Told(Running, new JobChange(6, JobStatus.Succeeded), withProgressLog: false));
    }

    [Theory]
    [InlineData((int)JobStatus.Failed)]
    [InlineData((int)JobStatus.Canceled)]
    public void Another_end_is_read_even_with_outputs_in_its_message(int status)
    {
        Assert.Null(JobService.Told(Running, new JobChange(6, (JobStatus)status, OutputsJson: "[1]"), withProgressLog: false));
    }

    [Fact]
    public void A_success_of_a_job_read_as_queued_is_read()
    {
        var queued = Running with { Status = JobStatus.Queued, Position = 2 };

        Assert.Null(JobService.Told(queued, new JobChange(6, JobStatus.Succeeded, OutputsJson: "[1]"), withProgressLog: false));
    }

    [Fact]
    public void A_success_seen_by_a_follower_that_left_is_read()
    {
        var left = Running with { Status = JobStatus.Canceled, CancelReason = CancelReasons.Requested };

        Assert.Null(JobService.Told(left, new JobChange(6, JobStatus.Succeeded, OutputsJson: "[1]"), withProgressLog: false));
    }

    [Fact]
    public void A_progress_report_is_not_told_to_a_follower_that_takes_the_progress_log()
    {
        Assert.Null(JobService.Told(Running, new JobChange(6, null, "[2]"), withProgressLog: true));
        Assert.NotNull(JobService.Told(Running, new JobChange(6, null, "[2]"), withProgressLog: false));
    }
}
