using System.Net;
using System.Net.Sockets;

namespace HaWitness.TestSupport;

/// <summary>Free loopback TCP ports for daemons that cannot be told to pick one themselves.</summary>
public static class FreePort
{
    /// <summary>A port that was free a moment ago (the OS picked it); callers retry if it is taken by then.</summary>
    public static int Tcp()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
