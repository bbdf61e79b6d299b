using HaWitness.Failover.Alarms;

namespace HaWitness.Failover.Simulation;

/// <summary>Keeps every alarm raised.</summary>
internal sealed class RecordingAlarms : IAlarmSink
{
    public List<Alarm> Raised { get; } = [];

    public void Raise(Alarm alarm) => Raised.Add(alarm);
}
