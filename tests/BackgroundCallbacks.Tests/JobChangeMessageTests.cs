using BackgroundCallbacks.Jobs;

namespace BackgroundCallbacks.Tests;

/// <summary>
/// Change messages carry the job's version (and, for a change of status, the status) so a waiter that has read that
/// version is not woken to read it again; a start, a small progress report or a success with small outputs says what
/// changed, so a waiter can answer without a read; a message of the old format (no ':') still wakes every waiter.
/// </summary>
public sealed class JobChangeMessageTests
{
    [Fact]
    public void A_message_naming_a_version_the_waiter_has_read_leaves_it_waiting()
    {
        var notifier = new JobChangeNotifier();
        using var watch = notifier.Watch("job-a");
        watch.KnownVersion = 5;

        notifier.Dispatch("vjob-a:4");
        notifier.Dispatch("vjob-a:5");

        Assert.False(watch.Changed.IsCompleted);
        Assert.Equal(1, notifier.WaitersOf("job-a"));
    }

    [Fact]
    public void A_message_naming_a_newer_version_wakes_the_waiter_with_the_version_and_status()
    {
        var notifier = new JobChangeNotifier();
        using var watch = notifier.Watch("job-a");
        using var other = notifier.Watch("job-b");
        watch.KnownVersion = 5;

        notifier.Dispatch("vjob-a:6:1");

        Assert.True(watch.Changed.IsCompleted);
        Assert.Equal(new JobChange(6, JobStatus.Running), watch.Change);
        Assert.False(other.Changed.IsCompleted);
    }

    [Fact]
    public void A_progress_message_wakes_the_waiter_with_the_progress_whatever_characters_it_holds()
    {
        var notifier = new JobChangeNotifier();
        using var watch = notifier.Watch("job-a");
        watch.KnownVersion = 5;

        notifier.Dispatch("""vjob-a:6:p[{"value":"a:b:1"}]""");

        Assert.True(watch.Changed.IsCompleted);
        Assert.Equal(new JobChange(6, null, """[{"value":"a:b:1"}]"""), watch.Change);
    }

    [Theory]
    [InlineData("""[{"value":"a:b:1"}]""")]
    [InlineData("""["p","o",":o","2:o[1]",":p[2]"]""")]
    [InlineData("""[{"x":"say \"hi\": 'there'"}]""")]
    [InlineData("[]")]
    [InlineData("")]
    public void A_success_message_wakes_the_waiter_with_its_outputs_whatever_characters_they_hold(string outputs)
    {
        var notifier = new JobChangeNotifier();
        using var watch = notifier.Watch("job-a");
        watch.KnownVersion = 5;

        notifier.Dispatch("vjob-a:6:2:o" + outputs);

        Assert.True(watch.Changed.IsCompleted);
        Assert.Equal(new JobChange(6, JobStatus.Succeeded, OutputsJson: outputs), watch.Change);
    }

    [Theory]
    [InlineData("job-a:6", 6, -1, null)]
    [InlineData("job-a:6:2", 6, 2, null)]
    [InlineData("job-a:7:4", 7, 4, null)]
    [InlineData("job-a:6:p[1]", 6, -1, "[1]")]
    [InlineData("job-a:6:p2:o[1]", 6, -1, "2:o[1]")]
    public void Messages_of_the_earlier_formats_parse_as_before(string text, long version, int status, string? progress)
    {
        Assert.True(JobChange.TryParse(text, out var jobId, out var change));
        Assert.Equal("job-a", jobId.ToString());
        Assert.Equal(new JobChange(version, status < 0 ? null : (JobStatus)status, progress), change);
        Assert.Null(change.OutputsJson);
    }

    [Fact]
    public void An_old_format_message_wakes_a_waiter_whatever_it_has_read()
    {
        var notifier = new JobChangeNotifier();
        using var watch = notifier.Watch("job-a");
        watch.KnownVersion = 5;

        notifier.Dispatch("vjob-a");

        Assert.True(watch.Changed.IsCompleted);
        Assert.Null(watch.Change);
    }

    [Fact]
    public async Task A_cancel_message_with_a_version_fires_the_cancel_registrations()
    {
        var notifier = new JobChangeNotifier();
        var fired = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var registration = notifier.RegisterCancel("job-a", () => fired.TrySetResult());
        using var watch = notifier.Watch("job-a");

        notifier.Dispatch("cjob-a:7:4");

        await fired.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(new JobChange(7, JobStatus.Canceled), watch.Change);
    }

    [Fact]
    public void A_line_message_is_never_read_as_a_version_even_when_the_line_name_has_a_colon()
    {
        var notifier = new JobChangeNotifier();
        var name = IJobLimits.WatchName("reports:2");
        using var watch = notifier.Watch(name);

        notifier.Dispatch("v" + name);

        Assert.True(watch.Changed.IsCompleted);
        Assert.Null(watch.Change);
    }

    [Theory]
    [InlineData("vjob-a:x")]
    [InlineData("vjob-a:6:9")]
    [InlineData("vjob-a:6:")]
    [InlineData("vjob-a:")]
    [InlineData("vjob-a:6:2:")]
    [InlineData("vjob-a:6:2:x[1]")]
    [InlineData("vjob-a:6:2:p[1]")]
    [InlineData("vjob-a:6:x:o[1]")]
    [InlineData("vjob-a:6::o[1]")]
    public void A_message_whose_suffix_does_not_parse_wakes_the_waiter_to_read(string message)
    {
        var notifier = new JobChangeNotifier();
        using var watch = notifier.Watch("job-a");
        watch.KnownVersion = 100;

        notifier.Dispatch(message);

        Assert.True(watch.Changed.IsCompleted);
        Assert.Null(watch.Change);
    }
}
