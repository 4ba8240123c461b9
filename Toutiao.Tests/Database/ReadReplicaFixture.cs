using MySqlConnector;
using Toutiao.Tests.Infrastructure;
using Toutiao.Web.Database;

namespace Toutiao.Tests.Database;

/// <summary>
/// The system of <see cref="ToutiaoFixture"/> with <c>--MySql:ReadReplicas=1</c>: a second mariadbd
/// that the AppHost's own resource definitions clone and point at the primary, and Webs that read
/// articles from it. The replica is probed five times a second so tests see it taken out of use and
/// back quickly; it may lag up to an hour (a test delays replication on purpose).
/// </summary>
public sealed class ReadReplicaFixture : ToutiaoFixture
{
    public const string ReplicaServer = "mysql-replica";

    /// <summary>As root, the tests' own.</summary>
    public string ReplicaConnectionString { get; private set; } = "";

    /// <summary>Web's account on the replica: it may read and watch replication, nothing else.</summary>
    public string ReplicaReaderConnectionString { get; private set; } = "";

    /// <summary>The tests' own connection to the replica, as root (which may write there despite read_only).</summary>
    public MySqlDataSource Replica { get; private set; } = null!;

    protected override string[] StorageArguments => ["--MySql:ReadReplicas=1"];

    protected override async Task StorageStartedAsync()
    {
        // Healthy: cloned from the primary and both replication threads running.
        await Storage.HealthyConnectionStringAsync(ReplicaServer, TimeSpan.FromSeconds(90));
        ReplicaConnectionString = await Storage.HealthyConnectionStringAsync("toutiao-replica", TimeSpan.FromSeconds(30));
        Replica = Own(new MySqlDataSource(ReplicaConnectionString));
        ReplicaReaderConnectionString = await Storage.HealthyConnectionStringAsync("toutiao-replica-reader", TimeSpan.FromSeconds(30));
    }

    protected override void AddWebSettings(Dictionary<string, string?> settings)
    {
        settings[$"ConnectionStrings:{ReadReplica.ConnectionName}"] = ReplicaReaderConnectionString;
        settings["ReadReplica:ProbeInterval"] = "00:00:00.2";
        settings["ReadReplica:MaxLag"] = "01:00:00";
        settings["Search:Enabled"] = "false";
    }

    public ReadReplica ReadReplica => WebService<ReadReplica>();

    /// <summary>Waits until the replica has applied everything the primary committed so far (MASTER_GTID_WAIT, no polling).</summary>
    public async Task CaughtUpAsync()
    {
        await using var position = MySql.CreateCommand("SELECT @@gtid_binlog_pos");
        var gtid = (string)(await position.ExecuteScalarAsync())!;
        await using var wait = Replica.CreateCommand("SELECT MASTER_GTID_WAIT(@gtid, 60)");
        wait.Parameters.Add(new MySqlParameter("@gtid", gtid));
        var result = Convert.ToInt32(await wait.ExecuteScalarAsync());
        Assert.True(result == 0, $"The replica did not reach the primary's position {gtid} within 60 s.");
    }

    /// <summary>Runs a statement on the replica only: it changes the replica's copy and nothing else (root passes read_only).</summary>
    public async Task OnReplicaOnlyAsync(string sql, params (string Name, object Value)[] parameters)
    {
        await using var command = Replica.CreateCommand(sql);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.Add(new MySqlParameter(name, value));
        }

        await command.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// Waits until the replica itself reports both threads running and a lag, after its replication
    /// was changed: until then Web's probe may still find it reconnecting and take it out of use.
    /// </summary>
    public async Task ReplicatingAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            await using (var status = Replica.CreateCommand("SHOW SLAVE STATUS"))
            await using (var reader = await status.ExecuteReaderAsync())
            {
                if (await reader.ReadAsync() && reader.GetString(reader.GetOrdinal("Slave_IO_Running")) == "Yes" && reader.GetString(reader.GetOrdinal("Slave_SQL_Running")) == "Yes"
                    && !reader.IsDBNull(reader.GetOrdinal("Seconds_Behind_Master")))
                {
                    return;
                }
            }

            Assert.True(DateTime.UtcNow < deadline, "The replica did not replicate again within 30 s.");
            await Task.Delay(50);
        }
    }

    /// <summary>Waits (no longer than 30 s) until Web reads from the replica.</summary>
    public Task ReadsGoToReplicaAsync() => ReadReplica.WhenInUse.WaitAsync(TimeSpan.FromSeconds(30));
}

[CollectionDefinition(Name)]
public sealed class ReadReplicaCollection : ICollectionFixture<ReadReplicaFixture>
{
    public const string Name = "Toutiao with a read replica";
}
