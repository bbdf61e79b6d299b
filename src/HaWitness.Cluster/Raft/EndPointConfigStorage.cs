using System.Net;
using DotNext.Buffers;
using DotNext.Net;
using DotNext.Net.Cluster.Consensus.Raft.Membership;

namespace HaWitness.Cluster.Raft;

/// <summary>The Raft membership, persisted in one file of the data directory.</summary>
internal sealed class EndPointConfigStorage(string fileName) : PersistentClusterConfigurationStorage<EndPoint>(fileName)
{
    protected override void Encode(EndPoint address, ref BufferWriterSlim<byte> writer) =>
        EndPointFormatter.WriteEndPoint(ref writer, address);

    protected override EndPoint Decode(ref SequenceReader reader) =>
        EndPointFormatter.ReadEndPoint(ref reader);
}
