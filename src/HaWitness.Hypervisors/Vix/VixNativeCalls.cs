namespace HaWitness.Hypervisors.Vix;

/// <summary>The job-starting VIX calls with our callback and clientData filled in (keeps pointers out of lambdas).</summary>
internal static unsafe class VixNativeCalls
{
    public static int Connect(VixOptions o, VixJob job) =>
        VixNative.VixHost_Connect(VixConstants.ApiVersion, (int)o.Provider, o.Host, o.Port, o.User, o.Password, 0, VixConstants.InvalidHandle, VixJob.Callback, job.ClientData);

    public static int Open(int host, string vmx, VixJob job) =>
        VixNative.VixHost_OpenVM(host, vmx, 0, VixConstants.InvalidHandle, VixJob.Callback, job.ClientData);

    public static int Register(int host, string vmx, VixJob job) =>
        VixNative.VixHost_RegisterVM(host, vmx, VixJob.Callback, job.ClientData);

    public static int Unregister(int host, string vmx, VixJob job) =>
        VixNative.VixHost_UnregisterVM(host, vmx, VixJob.Callback, job.ClientData);

    public static int Find(int host, int type, VixJob job) =>
        VixNative.VixHost_FindItems(host, type, VixConstants.InvalidHandle, -1, VixJob.Callback, job.ClientData);

    public static int PowerOn(int vm, VixJob job) =>
        VixNative.VixVM_PowerOn(vm, VixConstants.PowerOpNormal, VixConstants.InvalidHandle, VixJob.Callback, job.ClientData);

    public static int PowerOff(int vm, int options, VixJob job) =>
        VixNative.VixVM_PowerOff(vm, options, VixJob.Callback, job.ClientData);

    public static int Suspend(int vm, VixJob job) =>
        VixNative.VixVM_Suspend(vm, VixConstants.PowerOpNormal, VixJob.Callback, job.ClientData);
}
