using MySqlConnector;
using Toutiao.Tests.Infrastructure;

namespace Toutiao.Tests.Database;

/// <summary>
/// How the AppHost seeds the replica, across runs over one data directory: a primary that already
/// has rows from runs without a binary log, and one that ran without replicas in between. Either
/// way the replica must end up with every row, not only those in the binary log.
/// </summary>
public sealed class ReadReplicaSeedingTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public async Task The_replica_is_cloned_with_rows_from_before_the_binary_log_and_cloned_again_after_a_run_without_replicas()
    {
        var directory = System.IO.Directory.CreateTempSubdirectory("toutiao-replica-seeding-").FullName;
        string[] withoutReplica = [$"--AppHost:DataDirectory={directory}"];
        string[] withReplica = [$"--AppHost:DataDirectory={directory}", "--MySql:ReadReplicas=1"];
        try
        {
            // An earlier run: rows, and no binary log.
            await using (var servers = await StorageServers.StartAsync(withoutReplica))
            {
                await ExecuteAsync(servers.MySqlConnectionString, """
                    CREATE TABLE seeding_probe (id INT PRIMARY KEY, note VARCHAR(64) NOT NULL);
                    INSERT INTO seeding_probe VALUES (1, 'before any binary log');
                    """);
            }

            await using (var servers = await StorageServers.StartAsync(withReplica))
            {
                var replica = await servers.HealthyConnectionStringAsync("toutiao-replica", TimeSpan.FromSeconds(60));
                await servers.HealthyConnectionStringAsync(ReadReplicaFixture.ReplicaServer, TimeSpan.FromSeconds(60));
                Assert.Equal(["before any binary log"], await NotesAsync(replica));

                await ExecuteAsync(servers.MySqlConnectionString, "INSERT INTO seeding_probe VALUES (2, 'replicated')");
                await CaughtUpAsync(servers.MySqlConnectionString, replica);
                Assert.Equal(["before any binary log", "replicated"], await NotesAsync(replica));
            }

            // A run without replicas: this row is in no binary log.
            await using (var servers = await StorageServers.StartAsync(withoutReplica))
            {
                await ExecuteAsync(servers.MySqlConnectionString, "INSERT INTO seeding_probe VALUES (3, 'written without a binary log')");
            }

            await using (var servers = await StorageServers.StartAsync(withReplica))
            {
                await servers.HealthyConnectionStringAsync(ReadReplicaFixture.ReplicaServer, TimeSpan.FromSeconds(60));
                var replica = await servers.HealthyConnectionStringAsync("toutiao-replica", TimeSpan.FromSeconds(60));
                Assert.Equal(["before any binary log", "replicated", "written without a binary log"], await NotesAsync(replica));
                var (io, sql) = await ReplicationThreadsAsync(replica);
                Assert.Equal(("Yes", "Yes"), (io, sql));
                output.WriteLine($"Re-cloned replica replicates: IO {io}, SQL {sql}");
            }
        }
        finally
        {
            TestDirectories.Delete(directory);
        }
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<List<string>> NotesAsync(string connectionString)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand("SELECT note FROM seeding_probe ORDER BY id", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var notes = new List<string>();
        while (await reader.ReadAsync())
        {
            notes.Add(reader.GetString(0));
        }

        return notes;
    }

    private static async Task CaughtUpAsync(string primary, string replica)
    {
        await using var primaryConnection = new MySqlConnection(primary);
        await primaryConnection.OpenAsync();
        await using var position = new MySqlCommand("SELECT @@gtid_binlog_pos", primaryConnection);
        var gtid = (string)(await position.ExecuteScalarAsync())!;
        await using var replicaConnection = new MySqlConnection(replica);
        await replicaConnection.OpenAsync();
        await using var wait = new MySqlCommand("SELECT MASTER_GTID_WAIT(@gtid, 60)", replicaConnection);
        wait.Parameters.AddWithValue("@gtid", gtid);
        Assert.Equal(0, Convert.ToInt32(await wait.ExecuteScalarAsync()));
    }

    private static async Task<(string Io, string Sql)> ReplicationThreadsAsync(string replica)
    {
        await using var connection = new MySqlConnection(replica);
        await connection.OpenAsync();
        await using var command = new MySqlCommand("SHOW SLAVE STATUS", connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetString("Slave_IO_Running"), reader.GetString("Slave_SQL_Running"));
    }
}
