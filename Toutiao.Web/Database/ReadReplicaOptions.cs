namespace Toutiao.Web.Database;

public sealed class ReadReplicaOptions
{
    public const string SectionName = "ReadReplica";

    /// <summary>How often the replica is looked at: in use, for its lag; out of use, to take it back.</summary>
    public TimeSpan ProbeInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Further behind the primary than this, reads go to the primary.</summary>
    public TimeSpan MaxLag { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The longest a read waits for the replica before it asks the primary (within a request, also
    /// at most 40 % of what the request has left); the replica is then out of use until a probe.
    /// </summary>
    public TimeSpan ReadTimeout { get; set; } = TimeSpan.FromSeconds(1);
}
