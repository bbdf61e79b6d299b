using System.Net;
using System.Net.Sockets;

namespace HaWitness.TestSupport;

/// <summary>Free loopback TCP ports for daemons that cannot be told to pick one themselves.</summary>
public static class FreePort
{
    // Below the kernel's ephemeral range (32768..60999 by default): a port the OS handed out as
    // "free" (bind to 0) is just as likely to be taken a moment later as the source port of some
    // outgoing connection, and the test suites make thousands of those in parallel. Ports here
    // are never handed out as source ports, so only another test could take one.
    private const int First = 20000;
    private const int Last = 32700;
    private static readonly HashSet<int> Given = [];

    /// <summary>A loopback port that is free now and was not handed out before by this process.</summary>
    public static int Tcp()
    {
        lock (Given)
        {
            for (int attempt = 0; attempt < 1000; attempt++)
            {
                int port = Random.Shared.Next(First, Last);
                if (Given.Contains(port))
                {
                    continue;
                }

                try
                {
                    using var l = new TcpListener(IPAddress.Loopback, port);
                    l.Start();
                }
                catch (SocketException)
                {
                    continue;
                }

                Given.Add(port);
                return port;
            }
        }

        using var any = new TcpListener(IPAddress.Loopback, 0);
        any.Start();
        return ((IPEndPoint)any.LocalEndpoint).Port;
    }
}
