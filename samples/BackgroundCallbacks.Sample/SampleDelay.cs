namespace BackgroundCallbacks.Sample;

/// <summary>
/// The handlers pretend to work by waiting, as the Dash examples do with time.sleep. The configuration key
/// Sample:DelayScale (environment variable Sample__DelayScale) shortens every wait, so tests run fast.
/// </summary>
public sealed class SampleDelay(IConfiguration configuration)
{
    private readonly double _scale = Math.Max(0, configuration.GetValue("Sample:DelayScale", 1.0));

    public Task WaitAsync(double seconds, CancellationToken cancellationToken) =>
        Task.Delay(TimeSpan.FromSeconds(seconds * _scale), cancellationToken);
}
