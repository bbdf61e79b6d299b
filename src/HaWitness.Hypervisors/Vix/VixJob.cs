using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace HaWitness.Hypervisors.Vix;

/// <summary>
/// One asynchronous VIX call in flight. VIX calls <see cref="OnEvent"/> on a thread of its own
/// with our GCHandle as clientData: FIND_ITEM events carry a found VM's location, JOB_COMPLETED
/// ends the job. The callback is an <c>[UnmanagedCallersOnly]</c> static function (no delegate to
/// keep alive); what must stay alive is this object, so the GCHandle is freed only after
/// JOB_COMPLETED, also when the caller gave up waiting (a timed-out job keeps its handle until
/// VIX finishes it).
/// </summary>
internal sealed unsafe class VixJob
{
    private readonly TaskCompletionSource<int> _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentQueue<string> _found = new();
    private GCHandle _self;

    private VixJob()
    {
    }

    /// <summary>The callback to give VIX.</summary>
    public static delegate* unmanaged[Cdecl]<int, int, int, nint, void> Callback => &OnEvent;

    /// <summary>The clientData to give VIX.</summary>
    public nint ClientData => GCHandle.ToIntPtr(_self);

    /// <summary>Completes (with the job handle) when VIX reports JOB_COMPLETED.</summary>
    public Task<int> Completed => _completed.Task;

    /// <summary>Locations reported by FIND_ITEM events.</summary>
    public IReadOnlyCollection<string> Found => _found;

    /// <summary>How many callbacks arrived (tests check they came from VIX's threads).</summary>
    public int Events { get; private set; }

    /// <summary>The managed thread id of the thread that delivered JOB_COMPLETED.</summary>
    public int CompletedOnThread { get; private set; }

    public static VixJob Create()
    {
        var job = new VixJob();
        job._self = GCHandle.Alloc(job);
        return job;
    }

    /// <summary>Frees the GCHandle; only after <see cref="Completed"/>, or when VIX never got the job.</summary>
    public void Free()
    {
        if (_self.IsAllocated)
        {
            _self.Free();
        }
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnEvent(int handle, int eventType, int moreEventInfo, nint clientData)
    {
        // Nothing may escape into VIX's thread: an exception here would end the process.
        try
        {
            if (GCHandle.FromIntPtr(clientData).Target is not VixJob job)
            {
                return;
            }

            job.Events++;
            if (eventType == VixConstants.EventFindItem)
            {
                ulong err = VixShimNative.hwvix_get_string(moreEventInfo, VixConstants.PropertyFoundItemLocation, out nint p);
                if (err == 0 && p != 0)
                {
                    job._found.Enqueue(Marshal.PtrToStringUTF8(p) ?? string.Empty);
                    VixNative.Vix_FreeBuffer(p);
                }
            }
            else if (eventType == VixConstants.EventJobCompleted)
            {
                job.CompletedOnThread = Environment.CurrentManagedThreadId;
                job._completed.TrySetResult(handle);
            }
        }
#pragma warning disable CA1031 // see above
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }
}
