namespace HaWitness.Core.Configuration;

/// <summary>Failover engine timings and policies.</summary>
public sealed class FailoverOptions
{
    /// <summary>How often the engine looks at the state (it also wakes on fence completions).</summary>
    public int TickMs { get; set; } = 250;

    /// <summary>How long a start may take before the try counts as failed.</summary>
    public int StartTimeoutMs { get; set; } = 30_000;

    /// <summary>Start tries on one host before the VM goes to another host.</summary>
    public int StartTriesPerHost { get; set; } = 2;

    /// <summary>Hosts tried for one VM before it is journaled "not restarted".</summary>
    public int StartHosts { get; set; } = 3;

    /// <summary>Pause before a retry on the same host; doubles each try.</summary>
    public int StartBackoffMs { get; set; } = 1000;

    /// <summary>Pause before re-trying a failed fence; doubles up to <see cref="FenceRetryMaxMs"/>.</summary>
    public int FenceRetryMs { get; set; } = 1000;

    /// <summary>Longest pause between fence tries.</summary>
    public int FenceRetryMaxMs { get; set; } = 15_000;

    /// <summary>How long a host where a VM failed to start is avoided for that VM.</summary>
    public int StartAvoidMs { get; set; } = 300_000;

    /// <summary>Admission control for planned placements: host failures to keep room for (0 = off).</summary>
    public int ReserveHostFailures { get; set; }

    /// <summary>vCPUs per logical CPU a host may carry.</summary>
    public double CpuOvercommit { get; set; } = 1.0;

    /// <summary>VMs per <c>AssignVms</c> log entry.</summary>
    public int AssignBatch { get; set; } = 500;

    /// <summary>Checks the values; returns the first problem or null.</summary>
    public string? Validate() =>
        TickMs is < 10 or > 10_000 ? "TickMs must be 10..10000"
        : StartTimeoutMs < 100 ? "StartTimeoutMs must be at least 100"
        : StartTriesPerHost < 1 ? "StartTriesPerHost must be at least 1"
        : StartHosts < 1 ? "StartHosts must be at least 1"
        : StartBackoffMs < 0 || FenceRetryMs < 1 || FenceRetryMaxMs < FenceRetryMs ? "backoffs must be positive (FenceRetryMaxMs >= FenceRetryMs)"
        : ReserveHostFailures < 0 ? "ReserveHostFailures must be 0 or more"
        : CpuOvercommit is <= 0 or > 64 ? "CpuOvercommit must be in (0, 64]"
        : AssignBatch < 1 ? "AssignBatch must be at least 1"
        : null;
}
