using System.Net;
using HaWitness.Core.Configuration;

namespace HaWitness.Cluster.Join;

/// <summary>Checks every field of a join request before anything is done with it.</summary>
internal static class JoinValidation
{
    public const int MaxCsrLength = 8192;

    public static string? Check(JoinRequest r)
    {
        if (!Names.IsValidHostName(r.Name))
        {
            return "name: 1..63 of letters, digits, '-', '.', starting with a letter or digit";
        }

        if (!IsEndPoint(r.RaftEndpoint))
        {
            return "raftEndpoint: IP:PORT with a specific address and a port";
        }

        if (!IsEndPoint(r.ProbeEndpoint))
        {
            return "probeEndpoint: IP:PORT with a specific address and a port";
        }

        if (!IscsiName.IsValid(r.InitiatorIqn))
        {
            return "initiatorIqn: an iSCSI name (iqn.YYYY-MM.domain[:suffix], eui., naa.), lowercase, at most 223 bytes";
        }

        if (r.Hypervisor is not ("sim" or "vix" or "vmrun" or "libvirt"))
        {
            return "hypervisor: sim | vix | vmrun | libvirt";
        }

        if (r.Cpus is < 1 or > 4096)
        {
            return "cpus: 1..4096";
        }

        if (r.MemoryMb is < 1 or > 64L * 1024 * 1024)
        {
            return "memoryMb: 1..67108864";
        }

        if (r.Generation is not { Length: >= 8 and <= 64 } || r.Generation.Any(c => !char.IsAsciiLetterOrDigit(c) && c != '-'))
        {
            return "generation: 8..64 of letters, digits, '-'";
        }

        if (r.PowerOffBoundMs is < 100 or > 120_000)
        {
            return "powerOffBoundMs: 100..120000";
        }

        if (r.CsrPem is not { Length: > 0 and <= MaxCsrLength })
        {
            return $"csrPem: a PEM certificate signing request of at most {MaxCsrLength} characters";
        }

        return null;
    }

    public static bool IsEndPoint(string? text) =>
        text is { Length: <= 64 } && IPEndPoint.TryParse(text, out var ep) && ep.Port != 0
        && !ep.Address.Equals(IPAddress.Any) && !ep.Address.Equals(IPAddress.IPv6Any);
}
