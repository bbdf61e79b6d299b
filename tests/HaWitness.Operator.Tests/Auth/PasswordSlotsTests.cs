using HaWitness.Operator.Auth;

namespace HaWitness.Operator.Tests.Auth;

/// <summary>Bounded password hashing: one hash at a time per source, and "busy" rather than an endless queue.</summary>
public sealed class PasswordSlotsTests
{
    [Fact]
    public async Task ASourceHashesOneAtATime_AFullGateAnswersBusy_AndAFreedSlotServesTheNext()
    {
        var slots = new PasswordSlots(1);

        Assert.True(await slots.EnterAsync("10.0.0.1", CancellationToken.None));
        Assert.False(await slots.EnterAsync("10.0.0.1", CancellationToken.None)); // the same source, while its hash runs
        Assert.False(await slots.EnterAsync("10.0.0.2", CancellationToken.None)); // no slot within PasswordSlots.Wait

        slots.Exit("10.0.0.1");
        Assert.True(await slots.EnterAsync("10.0.0.2", CancellationToken.None));
        Assert.False(await slots.EnterAsync("10.0.0.2", CancellationToken.None));
        slots.Exit("10.0.0.2");
        Assert.True(await slots.EnterAsync("10.0.0.1", CancellationToken.None)); // a source that was refused is not stuck
    }

    [Fact]
    public void SlotsDefaultToHalfTheCores_AtLeastOne() =>
        Assert.Equal(Math.Max(1, Environment.ProcessorCount / 2), new PasswordSlots().Slots);
}
