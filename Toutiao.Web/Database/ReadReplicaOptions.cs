namespace Toutiao.Web.Database;

public sealed class ReadReplicaOptions
{
    public const string SectionName = "ReadReplica";

    /// <summary>How often the replica is looked at: in use, for its lag; out of use, to take it back.</summary>
    public TimeSpan ProbeInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Further behind the primary than this, reads go to the primary.</summary>
    public TimeSpan MaxLag { get; set; } = TimeSpan.FromSeconds(30);
}
