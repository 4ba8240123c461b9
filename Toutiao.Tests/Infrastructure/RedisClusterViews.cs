using StackExchange.Redis;

namespace Toutiao.Tests.Infrastructure;

/// <summary>What the nodes of a Redis Cluster say of it, read one way by the cluster fixture and the tests.</summary>
public static class RedisClusterViews
{
    /// <summary>
    /// One node's <c>CLUSTER NODES</c>, a line per node (<c>id address@bus flags master-id ... link-state slots</c>).
    /// Over RESP3 it is a verbatim string, which reads as <c>txt:</c> before its first line: a node id
    /// that happened to come first carried it and was never found again.
    /// </summary>
    public static async Task<string[]> NodesAsync(IServer server)
    {
        var text = (string?)await server.ExecuteAsync("CLUSTER", "NODES") ?? "";
        return (text.StartsWith("txt:", StringComparison.Ordinal) ? text[4..] : text).Split('\n');
    }

    /// <summary>One node's <c>INFO replication</c>, a <c>key:value</c> line per entry.</summary>
    public static async Task<string> ReplicationAsync(IServer server)
        => string.Join('\n', (await server.InfoAsync("replication")).SelectMany(group => group).Select(entry => $"{entry.Key}:{entry.Value}"));

    /// <summary>
    /// Whether a cluster of three masters and three replicas has formed: every node knows every other
    /// one as connected, with its role, and every replica's link to its master is up.
    /// </summary>
    public static async Task<bool> IsFormedAsync(IConnectionMultiplexer admin)
    {
        foreach (var server in admin.GetServers())
        {
            var nodes = (await NodesAsync(server)).Select(line => line.Split(' ')).Where(fields => fields.Length > 7).ToList();
            if (nodes.Count != 6 || nodes.Count(fields => fields[2].Contains("master")) != 3
                || nodes.Any(fields => fields[2].Contains("fail") || fields[2].Contains("handshake") || fields[2].Contains("noaddr") || fields[7] != "connected"))
            {
                return false;
            }

            if (server.IsReplica && !(await ReplicationAsync(server)).Contains("master_link_status:up"))
            {
                return false;
            }
        }

        return true;
    }
}
