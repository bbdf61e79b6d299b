using System.Runtime.InteropServices;

namespace HaWitness.Hypervisors.Libvirt;

internal sealed partial class LibvirtDriver
{
    public async ValueTask<HvResult<IReadOnlyList<VmStatus>>> ListAsync(CancellationToken cancellationToken) =>
        await CallAsync<IReadOnlyList<VmStatus>>("libvirt list domains", conn =>
        {
            int count = LibvirtNative.virConnectListAllDomains(conn, out nint array, 0);
            if (count < 0)
            {
                return LibvirtErrors.Last("libvirt list domains");
            }

            var list = new List<VmStatus>(count);
            try
            {
                for (int i = 0; i < count; i++)
                {
                    nint dom = System.Runtime.InteropServices.Marshal.ReadIntPtr(array, i * IntPtr.Size);
                    string? name = NameOf(dom);
                    var state = StateOf(dom, "libvirt domain state");
                    LibvirtNative.virDomainFree(dom);
                    if (name is null || !state.IsOk)
                    {
                        continue; // vanished between the list and the look
                    }

                    list.Add(new VmStatus(new VmRef(name, name), LibvirtErrors.State(state.Value.State), $"libvirt state {state.Value.State} reason {state.Value.Reason}"));
                }
            }
            finally
            {
                LibvirtNative.Free(array);
            }

            return list.OrderBy(s => s.Vm.Name, StringComparer.Ordinal).ToList();
        }, cancellationToken).ConfigureAwait(false);

    public async ValueTask<HvResult<VmRef>> RegisterAsync(VmDefinition definition, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (definition.Kind != VmKind.Libvirt)
        {
            return HvResult<VmRef>.Fail(HypervisorErrorKind.InvalidArgument, $"define {definition.Name}: a {definition.Kind} definition cannot run on libvirt");
        }

        if (definition.Validate() is { } invalid)
        {
            return invalid;
        }

        string xml = definition.DomainXml!;
        if (_options.InitiatorIqn is { } iqn)
        {
            var rewritten = DomainXml.WithInitiator(xml, iqn);
            if (!rewritten.IsOk)
            {
                return rewritten.Error!;
            }

            xml = rewritten.Value;
        }

        string name = definition.Name;
        var result = await CallAsync<VmRef>($"libvirt define {name}", conn =>
        {
            // Redefining an existing domain must keep its UUID, or libvirt refuses ("already exists with uuid").
            nint existing = LibvirtNative.virDomainLookupByName(conn, name);
            string toDefine = xml;
            if (existing != 0)
            {
                string? uuid = UuidOf(existing);
                LibvirtNative.virDomainFree(existing);
                if (uuid is not null)
                {
                    toDefine = DomainXml.Parse(xml).Value.WithUuidIfMissing(uuid);
                }
            }
            else
            {
                LibvirtNative.virResetLastError();
            }

            nint dom = LibvirtNative.virDomainDefineXML(conn, toDefine);
            if (dom == 0)
            {
                return LibvirtErrors.Last($"libvirt define {name}");
            }

            LibvirtNative.virDomainFree(dom);
            return new VmRef(name, name);
        }, cancellationToken).ConfigureAwait(false);
        if (result.IsOk)
        {
            LogDone(_log, "defined", name);
        }

        return result;
    }

    public ValueTask<HvResult> PowerOnAsync(VmRef vm, CancellationToken cancellationToken) =>
        OnVmAsync(vm, "start", (dom, what) =>
        {
            var state = StateOf(dom, what);
            if (!state.IsOk)
            {
                return state.AsResult();
            }

            switch (state.Value.State)
            {
                case LibvirtNative.StateRunning or LibvirtNative.StateBlocked:
                    return HvResult.Ok;
                case LibvirtNative.StatePaused:
                    return LibvirtNative.virDomainResume(dom) == 0 ? HvResult.Ok : LibvirtErrors.Last(what, HypervisorErrorKind.StartFailed);
                default:
                    if (LibvirtNative.virDomainCreate(dom) == 0)
                    {
                        return HvResult.Ok;
                    }

                    var error = LibvirtErrors.Last(what, HypervisorErrorKind.StartFailed);

                    // A start that fails for the guest's own reasons (missing kernel, disk refused) is a
                    // failed start, whatever code libvirt files it under.
                    return error.Kind is HypervisorErrorKind.ConnectionFailed or HypervisorErrorKind.NotFound or HypervisorErrorKind.Timeout
                        ? error
                        : error with { Kind = HypervisorErrorKind.StartFailed };
            }
        }, cancellationToken);

    public ValueTask<HvResult> PowerOffAsync(VmRef vm, PowerOffMode mode, CancellationToken cancellationToken) =>
        OnVmAsync(vm, mode == PowerOffMode.Hard ? "destroy" : "shutdown", (dom, what) =>
        {
            var state = StateOf(dom, what);
            if (state.IsOk && state.Value.State is LibvirtNative.StateShutoff)
            {
                return HvResult.Ok;
            }

            int rc = mode == PowerOffMode.Hard ? LibvirtNative.virDomainDestroy(dom) : LibvirtNative.virDomainShutdown(dom);
            if (rc == 0)
            {
                return HvResult.Ok;
            }

            var error = LibvirtErrors.Last(what);
            return error.Kind == HypervisorErrorKind.InvalidState ? HvResult.Ok : error; // "domain is not running"
        }, cancellationToken);

    public ValueTask<HvResult> SuspendAsync(VmRef vm, CancellationToken cancellationToken) =>
        OnVmAsync(vm, "suspend", (dom, what) =>
        {
            var state = StateOf(dom, what);
            if (state.IsOk && state.Value.State == LibvirtNative.StatePaused)
            {
                return HvResult.Ok;
            }

            return LibvirtNative.virDomainSuspend(dom) == 0 ? HvResult.Ok : LibvirtErrors.Last(what);
        }, cancellationToken);

    public async ValueTask<HvResult> UnregisterAsync(VmRef vm, CancellationToken cancellationToken)
    {
        var result = await OnVmAsync(vm, "undefine", (dom, what) =>
        {
            if (LibvirtNative.virDomainIsActive(dom) == 1)
            {
                return HvResult.Fail(HypervisorErrorKind.InvalidState, $"{what}: the domain is running; power it off first");
            }

            return LibvirtNative.virDomainUndefineFlags(dom, LibvirtNative.UndefineManagedSave | LibvirtNative.UndefineSnapshotsMetadata) == 0
                ? HvResult.Ok
                : LibvirtErrors.Last(what);
        }, cancellationToken).ConfigureAwait(false);
        return result.Error is { Kind: HypervisorErrorKind.NotFound } ? HvResult.Ok : result;
    }

    public async ValueTask<HvResult<VmDefinition>> DescribeAsync(VmRef vm, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(vm);
        if (!VmNames.IsValid(vm.Locator))
        {
            return HvResult<VmDefinition>.Fail(HypervisorErrorKind.InvalidArgument, $"describe '{vm.Locator}': not a valid domain name");
        }

        string what = $"libvirt describe {vm.Locator}";
        var xml = await CallAsync<string>(what, conn => OnDomain<string>(conn, vm.Locator, "libvirt describe", dom =>
        {
            nint text = LibvirtNative.virDomainGetXMLDesc(dom, LibvirtNative.XmlInactive);
            if (text == 0)
            {
                return LibvirtErrors.Last(what);
            }

            try
            {
                return Marshal.PtrToStringUTF8(text) ?? string.Empty;
            }
            finally
            {
                LibvirtNative.Free(text);
            }
        }), cancellationToken).ConfigureAwait(false);
        if (!xml.IsOk)
        {
            return xml.Error!;
        }

        var definition = VmDefinition.ForLibvirt(vm.Locator, xml.Value);
        if (definition.Validate() is { } invalid)
        {
            return invalid;
        }

        var parsed = DomainXml.Parse(xml.Value);
        return parsed.IsOk ? definition with { Cpus = parsed.Value.Vcpus, MemoryMiB = parsed.Value.MemoryMiB } : definition;
    }

    public async ValueTask<HvResult<HostCapacity>> GetCapacityAsync(CancellationToken cancellationToken) =>
        await CallAsync<HostCapacity>("libvirt node info", conn =>
            LibvirtNative.virNodeGetInfo(conn, out var info) == 0
                ? new HostCapacity((int)info.Cpus, (long)info.Memory * 1024, "virNodeGetInfo " + _options.Uri)
                : LibvirtErrors.Last("libvirt node info"), cancellationToken).ConfigureAwait(false);

    private async ValueTask<HvResult> OnVmAsync(VmRef vm, string verb, Func<nint, string, HvResult> body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(vm);
        if (!VmNames.IsValid(vm.Locator))
        {
            return HvResult.Fail(HypervisorErrorKind.InvalidArgument, $"{verb} '{vm.Locator}': not a valid domain name");
        }

        string what = $"libvirt {verb} {vm.Locator}";
        var result = await CallAsync<bool>(what, conn => OnDomain<bool>(conn, vm.Locator, $"libvirt {verb}", dom =>
        {
            var r = body(dom, what);
            return r.IsOk ? true : r.Error!;
        }), cancellationToken).ConfigureAwait(false);
        if (result.IsOk)
        {
            LogDone(_log, verb, vm.Name);
        }
        else
        {
            LogFailed(_log, verb, vm.Name, result.Error!.ToString());
        }

        return result.AsResult();
    }
}
