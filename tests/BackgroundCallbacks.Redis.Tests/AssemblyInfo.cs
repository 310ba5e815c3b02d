// The tests start real processes and measure latencies in milliseconds; run one class at a time on a small machine.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
