using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using MySqlConnector;

namespace Aspire.Hosting;

public static class MySqlBuilderExtensions
{
    /// <summary>
    /// Adds a MySQL server. In run mode a local <c>mariadbd</c> process (no container runtime here):
    /// its data directory is created on first run and kept, <c>root@127.0.0.1</c> gets the password
    /// of the <c>{name}-password</c> parameter through an owner-only init file, never an argument.
    /// In publish mode a MariaDB container under the same name and connection string shape.
    /// </summary>
    /// <param name="port">
    /// The port <c>mariadbd</c> listens on itself (setting <c>MySql:Port</c> overrides it): DCP's proxy in
    /// front of it cost ~110 µs of CPU per article detail, whose content is read from MySQL every time.
    /// 0, and always when ports are randomized (tests), a free port behind the proxy, which keeps it
    /// across a restart of the server.
    /// </param>
    public static IResourceBuilder<IMySqlServerResource> AddMySqlServer(this IDistributedApplicationBuilder builder, string name, int port = 0)
    {
        var password = ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder, $"{name}-password", special: false);
        if (builder.ExecutionContext.IsPublishMode)
        {
            var container = new MariaDbContainerResource(name, password);
            return builder.AddResource(container)
                .WithImage("mariadb", "11.8")
                .WithImageRegistry("docker.io")
                .WithEndpoint(name: MySqlServer.PrimaryEndpointName, targetPort: 3306, scheme: "tcp")
                .WithEnvironment("MARIADB_ROOT_PASSWORD", container.PasswordParameter);
        }

        var mariadbd = LocalServer.RequireBinary(builder, "mariadbd", "mariadb-server");
        var installDb = LocalServer.RequireBinary(builder, "mariadb-install-db", "mariadb-server");
        var server = new MariaDbServerResource(name, mariadbd, LocalServer.DataDirectory(builder, name), password);

        var healthCheckKey = $"{name}_check";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(healthCheckKey,
            _ => new MySqlSelectOneCheck(server), failureStatus: null, tags: null));

        return builder.AddResource(server)
            .WithServerEndpoint(MySqlServer.PrimaryEndpointName, builder.Configuration.GetValue("MySql:Port", port))
            .WithIconName("DatabaseMultiple")
            .OnBeforeResourceStarted((resource, @event, cancellationToken) => PrepareAsync(resource, installDb, @event.Services, cancellationToken))
            .WithArgs(context =>
            {
                AddServerArgs(context, server);
                if (server.ReplicationPassword is null)
                {
                    context.Args.Add("--skip-log-bin");
                }
                else
                {
                    // Replicas follow by GTID (MariaDB's default domain 0); row events replay exactly.
                    context.Args.Add("--log-bin=mariadb-bin");
                    context.Args.Add("--server-id=1");
                    context.Args.Add("--binlog-format=ROW");
                    // A replica away for a week is rebuilt from a dump rather than kept from filling the disk.
                    context.Args.Add("--binlog-expire-logs-seconds=604800");
                }
            })
            .WithHealthCheck(healthCheckKey);
    }

    /// <summary>Adds a database, created on the server at every start (and by the initializer in publish mode).</summary>
    public static IResourceBuilder<MySqlDatabaseResource> AddDatabase(this IResourceBuilder<IMySqlServerResource> builder, string name, string? databaseName = null)
    {
        var database = new MySqlDatabaseResource(name, databaseName ?? name, builder.Resource);
        var healthCheckKey = $"{name}_check";
        builder.ApplicationBuilder.Services.AddHealthChecks().Add(new HealthCheckRegistration(healthCheckKey,
            _ => new MySqlSelectOneCheck(database), failureStatus: null, tags: null));

        var resource = builder.ApplicationBuilder.AddResource(database).WithHealthCheck(healthCheckKey);
        if (builder.Resource is MariaDbServerResource server)
        {
            server.Databases.Add(database);
            resource.WithStateOfParent();
        }

        return resource;
    }

    /// <summary>
    /// Adds an account allowed only <paramref name="privileges"/> on the database's tables, for a
    /// service to connect as instead of root (its connection string: <c>WithReference(user, "toutiao")</c>).
    /// On a local mariadbd the init file creates it at every start, with exactly these privileges and
    /// the <c>{name}-password</c> parameter's password; a deployment creates it as
    /// <c>deploy/kubernetes/README.md</c> says.
    /// </summary>
    public static IResourceBuilder<MySqlUserResource> AddUser(this IResourceBuilder<MySqlDatabaseResource> builder, string name, string userName, params string[] privileges)
    {
        if (privileges.Length == 0 || privileges.Any(p => !AllowedPrivileges.Contains(p)))
        {
            throw new ArgumentException($"privileges must be some of {string.Join(", ", AllowedPrivileges)}.", nameof(privileges));
        }

        var password = ParameterResourceBuilderExtensions.CreateDefaultPasswordParameter(builder.ApplicationBuilder, $"{name}-password", special: false);
        var user = new MySqlUserResource(name, userName, privileges, builder.Resource, password);
        builder.Resource.Users.Add(user);
        var healthCheckKey = $"{name}_check";
        builder.ApplicationBuilder.Services.AddHealthChecks().Add(new HealthCheckRegistration(healthCheckKey,
            _ => new MySqlSelectOneCheck(user), failureStatus: null, tags: null));
        var resource = builder.ApplicationBuilder.AddResource(user).WithHealthCheck(healthCheckKey);
        if (builder.Resource.Parent is MariaDbServerResource)
        {
            resource.WithStateOfParent();
        }

        return resource;
    }

    private static readonly HashSet<string> GlobalPrivileges = ["SLAVE MONITOR"];

    /// <summary>
    /// What an account of <see cref="AddUser"/> may get: data on its database's tables, never schema or
    /// accounts; and watching replication (<c>SHOW SLAVE STATUS</c>, server-wide), for a replica's reader.
    /// </summary>
    private static readonly HashSet<string> AllowedPrivileges = ["SELECT", "INSERT", "UPDATE", "DELETE", .. GlobalPrivileges];


    /// <summary>Before every start: the data directory on first run, then the owner-only init file.</summary>
    internal static async Task PrepareAsync(MariaDbServerResource resource, string installDb, IServiceProvider services, CancellationToken cancellationToken)
    {
        LocalServer.CreatePrivateDirectory(resource.WorkingDirectory);
        if (!Directory.Exists(Path.Combine(resource.DataDirectory, "mysql")))
        {
            await InstallAsync(installDb, resource.DataDirectory, services, resource, cancellationToken);
        }

        var replicationPassword = resource.ReplicationPassword is { } parameter ? await parameter.GetValueAsync(cancellationToken) : null;
        var users = new List<(MySqlUserResource, string)>();
        foreach (var user in resource.Databases.SelectMany(d => d.Users))
        {
            users.Add((user, await user.PasswordParameter.GetValueAsync(cancellationToken) ?? ""));
        }

        await LocalServer.WriteSecretFileAsync(resource.InitFile,
            InitScript(await resource.PasswordParameter.GetValueAsync(cancellationToken) ?? "", resource.Databases, replicationPassword, users), cancellationToken);
    }

    /// <summary>What every local mariadbd runs with, primary or replica.</summary>
    internal static void AddServerArgs(CommandLineArgsCallbackContext context, MariaDbServerResource server)
    {
        context.Args.Add("--no-defaults");
        context.Args.Add($"--datadir={server.DataDirectory}");
        context.Args.Add($"--socket={server.Socket}");
        context.Args.Add($"--pid-file={Path.Combine(server.WorkingDirectory, "mariadbd.pid")}");
        context.Args.Add(ReferenceExpression.Create($"--port={server.PrimaryEndpoint.Property(EndpointProperty.TargetPort)}"));
        context.Args.Add("--bind-address=127.0.0.1");
        // The TCP login is then always root@127.0.0.1, the account the init file secures.
        context.Args.Add("--skip-name-resolve");
        context.Args.Add("--innodb-buffer-pool-size=256M");
        context.Args.Add("--innodb-flush-log-at-trx-commit=2");
        context.Args.Add($"--init-file={server.InitFile}");
        if (Environment.UserName == "root")
        {
            context.Args.Add("--user=root");
        }
    }

    /// <summary>
    /// Runs mariadb-install-db, up to three times: its bootstrap mariadbd sometimes crashes with
    /// signal 11 (MariaDB 10.11 here, seen in the tests' first runs on a busy machine), and a
    /// clean directory installs fine the next time.
    /// </summary>
    private static async Task InstallAsync(string installDb, string dataDirectory, IServiceProvider services, IResource resource, CancellationToken cancellationToken)
    {
        const int attempts = 3;
        var logger = services.GetRequiredService<ResourceLoggerService>().GetLogger(resource);
        logger.LogInformation("First run: creating the data directory {DataDirectory}", dataDirectory);
        for (var attempt = 1; ; attempt++)
        {
            var (exitCode, output) = await RunInstallDbAsync(installDb, dataDirectory, cancellationToken);
            if (exitCode == 0)
            {
                return;
            }

            if (attempt == attempts)
            {
                logger.LogError("{Output}", output);
                throw new DistributedApplicationException($"mariadb-install-db failed {attempts} times, last with exit code {exitCode}; see the console of '{resource.Name}'.");
            }

            logger.LogWarning("mariadb-install-db failed with exit code {ExitCode} (attempt {Attempt} of {Attempts}); trying again in a clean directory. {Output}",
                exitCode, attempt, attempts, output);
        }
    }

    private static async Task<(int ExitCode, string Output)> RunInstallDbAsync(string installDb, string dataDirectory, CancellationToken cancellationToken)
    {
        // A directory without the system tables is a first run that did not finish: ours to redo.
        if (Directory.Exists(dataDirectory))
        {
            Directory.Delete(dataDirectory, recursive: true);
        }

        var start = new ProcessStartInfo(installDb)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            ArgumentList =
            {
                "--no-defaults", $"--datadir={dataDirectory}", "--auth-root-authentication-method=socket", "--skip-test-db",
            },
        };
        if (Environment.UserName == "root")
        {
            start.ArgumentList.Add("--user=root");
        }

        using var process = Process.Start(start)!;
        // Stopped half way (Ctrl+C on a first run), it must not go on writing into a directory
        // that the next start deletes and recreates.
        await using var kill = cancellationToken.Register(() => process.Kill(entireProcessTree: true));
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return (process.ExitCode, await output + await errors);
    }

    /// <summary>
    /// mariadb-install-db leaves passwordless TCP root accounts; the TCP accounts kept are
    /// root@127.0.0.1 with the parameter's password (the initializer's: it owns the schema), the
    /// replication account, and each database's own accounts with only their privileges (the
    /// services'). root@localhost stays socket-authenticated (only the operating system's root can use it).
    /// </summary>
    internal static string InitScript(string password, IEnumerable<MySqlDatabaseResource> databases, string? replicationPassword,
        IEnumerable<(MySqlUserResource User, string Password)> users)
    {
        var quoted = SqlQuoted(password);
        var lines = new List<string>
        {
            // Accounts are each server's own: a replica must not replay the primary's.
            "SET SESSION sql_log_bin = 0;",
            "DROP USER IF EXISTS ''@'localhost';",
            "DROP USER IF EXISTS 'root'@'::1';",
            $"CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '{quoted}';",
            $"ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY '{quoted}';",
            "GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;",
        };
        if (replicationPassword is not null)
        {
            lines.Add($"CREATE USER IF NOT EXISTS '{MySqlServer.ReplicationUserName}'@'127.0.0.1' IDENTIFIED BY '{SqlQuoted(replicationPassword)}';");
            lines.Add($"ALTER USER '{MySqlServer.ReplicationUserName}'@'127.0.0.1' IDENTIFIED BY '{SqlQuoted(replicationPassword)}';");
            lines.Add($"GRANT REPLICATION SLAVE ON *.* TO '{MySqlServer.ReplicationUserName}'@'127.0.0.1';");
        }

        foreach (var database in databases)
        {
            var name = database.DatabaseName.Replace("`", "``");
            lines.Add($"CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;");
            foreach (var (user, userPassword) in users.Where(u => u.User.Parent == database))
            {
                var account = $"'{SqlQuoted(user.UserName)}'@'127.0.0.1'";
                lines.Add($"CREATE USER IF NOT EXISTS {account} IDENTIFIED BY '{SqlQuoted(userPassword)}';");
                lines.Add($"ALTER USER {account} IDENTIFIED BY '{SqlQuoted(userPassword)}';");
                // Exactly the privileges asked for now, whatever an earlier version granted.
                lines.Add($"REVOKE ALL PRIVILEGES, GRANT OPTION FROM {account};");
                var onTables = user.Privileges.Where(p => !GlobalPrivileges.Contains(p)).ToList();
                if (onTables.Count > 0)
                {
                    lines.Add($"GRANT {string.Join(", ", onTables)} ON `{name}`.* TO {account};");
                }

                var global = user.Privileges.Where(GlobalPrivileges.Contains).ToList();
                if (global.Count > 0)
                {
                    lines.Add($"GRANT {string.Join(", ", global)} ON *.* TO {account};");
                }
            }
        }

        return string.Join('\n', lines) + "\n";
    }

    /// <summary>A value for a single-quoted SQL string literal.</summary>
    internal static string SqlQuoted(string value) => value.Replace("\\", "\\\\").Replace("'", "\\'");

    /// <summary>Healthy when a fresh connection runs <c>SELECT 1</c>.</summary>
    private sealed class MySqlSelectOneCheck(IResourceWithConnectionString resource) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var connectionString = await resource.GetConnectionStringAsync(cancellationToken) ?? "";
                await using var connection = new MySqlConnection(new MySqlConnectionStringBuilder(connectionString) { Pooling = false, ConnectionTimeout = 3 }.ConnectionString);
                await connection.OpenAsync(cancellationToken);
                await using var command = new MySqlCommand("SELECT 1", connection);
                await command.ExecuteScalarAsync(cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (Exception ex) when (ex is MySqlException or InvalidOperationException)
            {
                return HealthCheckResult.Unhealthy(ex.Message, ex);
            }
        }
    }
}
