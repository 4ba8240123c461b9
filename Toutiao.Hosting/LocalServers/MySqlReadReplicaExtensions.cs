using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using MySqlConnector;

namespace Aspire.Hosting;

/// <summary>
/// A read replica of the local MariaDB: a second <c>mariadbd</c> with its own data directory that
/// follows the primary by GTID. The primary then writes a binary log (only then: without replicas
/// nothing changes). The replica is cloned from the primary with <c>mariadb-dump --gtid</c> when it
/// is new or its data can no longer be trusted, so the primary's older rows (written before it kept
/// a binary log) are there too; after that it replays the binary log from the dump's position.
/// </summary>
public static class MySqlReadReplicaExtensions
{
    /// <summary>
    /// Which primary a replica's data came from: a random id kept in the primary's data directory.
    /// A primary started without a binary log deletes it (its changes from then on would never reach
    /// a replica), and so does a new data directory: either way the next replica clones afresh.
    /// </summary>
    private const string LineageFile = "toutiao-replication-lineage";

    /// <summary>
    /// Adds <paramref name="count"/> (0 or 1) read replicas of <paramref name="primary"/> and returns
    /// the replica's copy of <paramref name="database"/> as <c>{database}-replica</c>, or null without one.
    /// </summary>
    public static IResourceBuilder<MySqlDatabaseResource>? AddReadReplicas(this IResourceBuilder<IMySqlServerResource> primary,
        IResourceBuilder<MySqlDatabaseResource> database, int count)
    {
        var builder = primary.ApplicationBuilder;
        if (count is < 0 or > 1 || (count > 0 && primary.Resource is not MariaDbServerResource))
        {
            var message = count is < 0 or > 1
                ? $"MySql:ReadReplicas is {count}: 0 (the default) and 1 are supported."
                : "MySql:ReadReplicas applies to the local mariadbd of run mode; a deployment brings its own replicas.";
            builder.Eventing.Subscribe<BeforeStartEvent>((_, _) => throw new DistributedApplicationException(message));
            return null;
        }

        if (primary.Resource is not MariaDbServerResource source)
        {
            return null;
        }

        if (count == 0)
        {
            // Changes from now on are not in a binary log: a replica's copy would silently miss them.
            primary.OnBeforeResourceStarted((_, _, _) =>
            {
                File.Delete(Path.Combine(source.DataDirectory, LineageFile));
                return Task.CompletedTask;
            });
            return null;
        }

        source.ReplicationPassword = ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(
            builder, $"{source.Name}-replication-password", special: false);

        var mariadbd = LocalServer.RequireBinary(builder, "mariadbd", "mariadb-server");
        var installDb = LocalServer.RequireBinary(builder, "mariadb-install-db", "mariadb-server");
        var dump = LocalServer.RequireBinary(builder, "mariadb-dump", "mariadb-client");
        var client = LocalServer.RequireBinary(builder, "mariadb", "mariadb-client");

        var name = $"{source.Name}-replica";
        // The same root password: the connection strings differ only in the port.
        var replica = new MariaDbServerResource(name, mariadbd, LocalServer.DataDirectory(builder, name), source.PasswordParameter);
        var healthCheckKey = $"{name}_replication_check";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(healthCheckKey,
            _ => new ReplicationCheck(replica), failureStatus: null, tags: null));

        var follower = new Follower(replica, source, dump, client);
        IResourceBuilder<IMySqlServerResource> server = builder.AddResource(replica)
            .WithEndpoint(name: MySqlServer.PrimaryEndpointName, scheme: "tcp")
            .WithIconName("DatabaseArrowRight")
            .OnBeforeResourceStarted((resource, @event, cancellationToken) => MySqlBuilderExtensions.PrepareAsync(resource, installDb, @event.Services, cancellationToken))
            .WithArgs(context =>
            {
                MySqlBuilderExtensions.AddServerArgs(context, replica);
                context.Args.Add("--server-id=2");
                // Only accounts with READ ONLY ADMIN (root, replication) write: the app's reads cannot.
                context.Args.Add("--read-only");
                context.Args.Add("--skip-log-bin");
                context.Args.Add("--relay-log=mariadb-relay");
                // The AppHost points it at the primary at every start: the primary's port may have changed.
                context.Args.Add("--skip-slave-start");
            })
            .OnInitializeResource(follower.FollowAtEveryStartAsync)
            .WithHealthCheck(healthCheckKey)
            .WaitFor(primary);

        return server.AddDatabase($"{database.Resource.Name}-replica", database.Resource.DatabaseName);
    }

    /// <summary>Points the replica at the primary each time it starts, cloning the primary first when the replica's data is not from it.</summary>
    private sealed class Follower(MariaDbServerResource replica, MariaDbServerResource primary, string dump, string client)
    {
        public async Task FollowAtEveryStartAsync(MariaDbServerResource resource, InitializeResourceEvent @event, CancellationToken cancellationToken)
        {
            var logger = @event.Services.GetRequiredService<ResourceLoggerService>().GetLogger(resource);
            CancellationTokenSource? run = null;
            await foreach (var update in @event.Notifications.WatchAsync(cancellationToken))
            {
                if (update.Resource != resource)
                {
                    continue;
                }

                var running = update.Snapshot.State?.Text == KnownResourceStates.Running;
                if (running && run is null)
                {
                    run = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                    _ = FollowLoggedAsync(logger, run.Token);
                }
                else if (!running && run is not null)
                {
                    await run.CancelAsync();
                    run.Dispose();
                    run = null;
                }
            }
        }

        private async Task FollowLoggedAsync(ILogger logger, CancellationToken cancellationToken)
        {
            const int attempts = 3;
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await FollowAsync(logger, cancellationToken);
                    return;
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    // Stopped while starting.
                    return;
                }
                catch (Exception ex) when (attempt < attempts)
                {
                    // A dump racing the initializer's CREATE TABLEs fails ("table definition has
                    // changed"); a moment later the schema is there and the clone goes through.
                    logger.LogWarning(ex, "Could not start replicating from {Primary} (attempt {Attempt} of {Attempts}); trying again",
                        primary.Name, attempt, attempts);
                }
                catch (Exception ex)
                {
                    // The health check then says what is wrong; the dashboard's restart tries again.
                    logger.LogError(ex, "Could not start replicating from {Primary}", primary.Name);
                    return;
                }

                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }

        private async Task FollowAsync(ILogger logger, CancellationToken cancellationToken)
        {
            var primaryConnection = new MySqlConnectionStringBuilder(await ConnectionStringAsync(primary, cancellationToken));
            var replicaConnection = new MySqlConnectionStringBuilder(await ConnectionStringAsync(replica, cancellationToken));
            await WaitUntilAcceptingAsync(replicaConnection, cancellationToken);

            var lineagePath = Path.Combine(primary.DataDirectory, LineageFile);
            if (!File.Exists(lineagePath))
            {
                await File.WriteAllTextAsync(lineagePath, Guid.NewGuid().ToString("N"), cancellationToken);
            }

            var lineage = (await File.ReadAllTextAsync(lineagePath, cancellationToken)).Trim();
            var clonedFrom = Path.Combine(replica.WorkingDirectory, "cloned-from");
            if (!File.Exists(clonedFrom) || (await File.ReadAllTextAsync(clonedFrom, cancellationToken)).Trim() != lineage)
            {
                logger.LogInformation("Cloning {Databases} from {Primary} (mariadb-dump at a GTID position)",
                    string.Join(", ", replica.Databases.Select(d => d.DatabaseName)), primary.Name);
                var stopwatch = Stopwatch.StartNew();
                await ExecuteAsync(replicaConnection, "STOP SLAVE; RESET SLAVE ALL;", cancellationToken);
                await CloneAsync(primaryConnection, replicaConnection, cancellationToken);
                await File.WriteAllTextAsync(clonedFrom, lineage, cancellationToken);
                logger.LogInformation("Cloned in {ElapsedMs} ms", stopwatch.ElapsedMilliseconds);
            }

            var password = await primary.ReplicationPassword!.GetValueAsync(cancellationToken) ?? "";
            // Through DCP's proxy port, which stays the same when the primary restarts. slave_pos: the
            // clone set it (gtid_slave_pos), and it moves with every transaction the replica applies.
            await ExecuteAsync(replicaConnection, $"""
                STOP SLAVE;
                CHANGE MASTER TO MASTER_HOST = '127.0.0.1', MASTER_PORT = {primaryConnection.Port},
                    MASTER_USER = '{MySqlServer.ReplicationUserName}', MASTER_PASSWORD = '{MySqlBuilderExtensions.SqlQuoted(password)}',
                    MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1;
                START SLAVE;
                """, cancellationToken);
            logger.LogInformation("Replicating from {Primary} at 127.0.0.1:{Port}", primary.Name, primaryConnection.Port);
        }

        /// <summary>
        /// <c>mariadb-dump --single-transaction --master-data --gtid</c> of the primary piped into the
        /// replica: a consistent snapshot that also sets the replica's <c>gtid_slave_pos</c> to it.
        /// The passwords go in owner-only option files, not on the command lines.
        /// </summary>
        private async Task CloneAsync(MySqlConnectionStringBuilder primaryConnection, MySqlConnectionStringBuilder replicaConnection, CancellationToken cancellationToken)
        {
            var primaryOptions = Path.Combine(replica.WorkingDirectory, "primary-client.cnf");
            var replicaOptions = Path.Combine(replica.WorkingDirectory, "replica-client.cnf");
            await LocalServer.WriteSecretFileAsync(primaryOptions, ClientOptions(primaryConnection), cancellationToken);
            await LocalServer.WriteSecretFileAsync(replicaOptions, ClientOptions(replicaConnection), cancellationToken);
            try
            {
                var dumpStart = new ProcessStartInfo(dump)
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    ArgumentList =
                    {
                        $"--defaults-extra-file={primaryOptions}", "--protocol=TCP", "--single-transaction", "--master-data=1", "--gtid",
                        "--add-drop-database", "--routines", "--triggers", "--databases",
                    },
                };
                var loadStart = new ProcessStartInfo(client)
                {
                    RedirectStandardInput = true,
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    ArgumentList = { $"--defaults-extra-file={replicaOptions}", "--protocol=TCP" },
                };
                foreach (var database in replica.Databases)
                {
                    dumpStart.ArgumentList.Add(database.DatabaseName);
                }

                using var dumping = Process.Start(dumpStart)!;
                using var loading = Process.Start(loadStart)!;
                await using var kill = cancellationToken.Register(() =>
                {
                    dumping.Kill(entireProcessTree: true);
                    loading.Kill(entireProcessTree: true);
                });
                var dumpErrors = dumping.StandardError.ReadToEndAsync(cancellationToken);
                var loadOutput = loading.StandardOutput.ReadToEndAsync(cancellationToken);
                var loadErrors = loading.StandardError.ReadToEndAsync(cancellationToken);
                await dumping.StandardOutput.BaseStream.CopyToAsync(loading.StandardInput.BaseStream, cancellationToken);
                loading.StandardInput.Close();
                await dumping.WaitForExitAsync(cancellationToken);
                await loading.WaitForExitAsync(cancellationToken);
                if (dumping.ExitCode != 0 || loading.ExitCode != 0)
                {
                    throw new DistributedApplicationException(
                        $"Cloning the primary failed: mariadb-dump exited with {dumping.ExitCode} ({(await dumpErrors).Trim()}), " +
                        $"mariadb with {loading.ExitCode} ({(await loadErrors).Trim()} {(await loadOutput).Trim()}).");
                }
            }
            finally
            {
                File.Delete(primaryOptions);
                File.Delete(replicaOptions);
            }
        }

        private static string ClientOptions(MySqlConnectionStringBuilder connection)
            => $"[client]\nhost=127.0.0.1\nport={connection.Port}\nuser={connection.UserID}\npassword=\"{connection.Password}\"\n";

        /// <summary>DCP reports Running when the process starts; mariadbd accepts connections a moment later.</summary>
        private static async Task WaitUntilAcceptingAsync(MySqlConnectionStringBuilder connection, CancellationToken cancellationToken)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (true)
            {
                try
                {
                    await ExecuteAsync(connection, "SELECT 1", cancellationToken);
                    return;
                }
                catch (MySqlException) when (DateTime.UtcNow < deadline)
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
                }
            }
        }

        private static async Task ExecuteAsync(MySqlConnectionStringBuilder connection, string sql, CancellationToken cancellationToken)
        {
            var once = new MySqlConnectionStringBuilder(connection.ConnectionString) { Pooling = false, ConnectionTimeout = 3, Server = "127.0.0.1" };
            await using var session = new MySqlConnection(once.ConnectionString);
            await session.OpenAsync(cancellationToken);
            await using var command = new MySqlCommand(sql, session);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        private static async Task<string> ConnectionStringAsync(IResourceWithConnectionString resource, CancellationToken cancellationToken)
            => await resource.GetConnectionStringAsync(cancellationToken)
               ?? throw new DistributedApplicationException($"'{resource.Name}' has no connection string.");
    }

    /// <summary>
    /// Healthy while both replication threads run; the description says how far behind the replica
    /// is (<c>Seconds_Behind_Master</c>). Unhealthy before the AppHost has pointed it at the primary,
    /// when the primary is gone, and when replication stopped on an error (which it then names).
    /// </summary>
    private sealed class ReplicationCheck(MariaDbServerResource replica) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var connectionString = await ((IResourceWithConnectionString)replica).GetConnectionStringAsync(cancellationToken) ?? "";
                await using var connection = new MySqlConnection(new MySqlConnectionStringBuilder(connectionString) { Pooling = false, ConnectionTimeout = 3 }.ConnectionString);
                await connection.OpenAsync(cancellationToken);
                await using var command = new MySqlCommand("SHOW SLAVE STATUS", connection);
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                if (!await reader.ReadAsync(cancellationToken))
                {
                    return HealthCheckResult.Unhealthy("Not replicating yet: the AppHost is cloning the primary or pointing the replica at it.");
                }

                var io = reader.GetString("Slave_IO_Running");
                var sql = reader.GetString("Slave_SQL_Running");
                var lag = reader.IsDBNull(reader.GetOrdinal("Seconds_Behind_Master")) ? "unknown" : reader.GetInt64("Seconds_Behind_Master").ToString(System.Globalization.CultureInfo.InvariantCulture);
                var data = new Dictionary<string, object> { ["io_thread"] = io, ["sql_thread"] = sql, ["seconds_behind_master"] = lag };
                if (io == "Yes" && sql == "Yes")
                {
                    return HealthCheckResult.Healthy($"Replicating; {lag} s behind the primary.", data);
                }

                var errors = string.Join(" ", new[] { reader.GetString("Last_IO_Error"), reader.GetString("Last_SQL_Error") }.Where(e => e.Length > 0));
                return HealthCheckResult.Unhealthy($"Replication is not running (IO thread: {io}, SQL thread: {sql}). {errors}".Trim(), data: data);
            }
            catch (Exception ex) when (ex is MySqlException or InvalidOperationException)
            {
                return HealthCheckResult.Unhealthy(ex.Message, ex);
            }
        }
    }
}
