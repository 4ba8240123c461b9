using MySqlConnector;
using Toutiao.AppHost.Hosting.Orchestration;

namespace Toutiao.AppHost.Hosting;

/// <summary>
/// A real <c>mariadbd</c> (MariaDB speaks the MySQL protocol) with its own data directory, created
/// with <c>mariadb-install-db</c> on first run and kept between runs like a data volume. Every
/// root account is locked with a generated password kept in the state directory's secrets file.
/// </summary>
public sealed class MySqlServerResource(string name) : Resource(name)
{
    private const string InitializedMarker = ".toutiao-initialized";

    public override string Type => "MySql";

    public List<MySqlDatabaseResource> Databases { get; } = [];

    /// <summary>Where the data lives; default <c>{state}/{name}</c>.</summary>
    public string? DataDirectory { get; set; }

    /// <summary>Not needed when every database of it comes from an external connection string.</summary>
    public override bool IsStarted => Databases.Count == 0 || Databases.Any(d => !d.IsExternal);

    internal int? Port { get; private set; }

    internal string? RootPassword { get; private set; }

    internal string ServerConnectionString(string? database = null)
        => new MySqlConnectionStringBuilder
        {
            Server = "127.0.0.1",
            Port = (uint)Port!.Value,
            UserID = "root",
            Password = RootPassword,
            Database = database ?? "",
        }.ConnectionString;

    internal override void Preflight()
    {
        Binaries.Find("mariadbd", "mariadb-server");
        Binaries.Find("mariadb-install-db", "mariadb-server");
    }

    internal override async Task StartAsync(ResourceInstance instance, OrchestrationContext context, CancellationToken cancellationToken)
    {
        var mariadbd = Binaries.Find("mariadbd", "mariadb-server");
        var dataDirectory = Path.GetFullPath(DataDirectory ?? Path.Combine(context.StateDirectory, Name));
        var socket = SocketPath(dataDirectory);
        var secretKey = $"{Name}:root-password";
        var fresh = !File.Exists(Path.Combine(dataDirectory, InitializedMarker));

        if (fresh)
        {
            // A directory without the marker is a first run that did not finish: it is ours to redo.
            if (Directory.Exists(dataDirectory))
            {
                Directory.Delete(dataDirectory, recursive: true);
            }

            await InstallAsync(dataDirectory, instance.Console, cancellationToken);
        }
        else if (!context.HasSecret(secretKey))
        {
            throw new DistributedApplicationException(
                $"The MySQL data directory {dataDirectory} exists but its root password is not in {Path.Combine(context.StateDirectory, "secrets.json")}. " +
                "Delete the data directory to start with a fresh database.");
        }

        var port = Ports.Free();
        var arguments = new List<string>
        {
            "--no-defaults", $"--datadir={dataDirectory}", $"--socket={socket}", $"--port={port}",
            "--bind-address=127.0.0.1", "--skip-name-resolve", $"--pid-file={Path.Combine(dataDirectory, "mariadbd.pid")}",
            "--skip-log-bin", "--innodb-buffer-pool-size=256M", "--innodb-flush-log-at-trx-commit=2",
        };
        if (System.Environment.UserName == "root")
        {
            arguments.Add("--user=root");
        }

        instance.Process = ManagedProcess.Start(mariadbd, arguments, instance.Console);
        await WaitForSocketAsync(socket, instance, cancellationToken);

        RootPassword = context.GetOrCreateSecret(secretKey);
        if (fresh)
        {
            await LockRootAccountsAsync(socket, RootPassword, cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(dataDirectory, InitializedMarker), DateTimeOffset.UtcNow.ToString("O"), cancellationToken);
        }

        Port = port;
        instance.Port = port;
        instance.Url = $"tcp://127.0.0.1:{port}";
    }

    internal override async Task<bool> CheckHealthAsync(ResourceInstance instance, CancellationToken cancellationToken)
    {
        await using var connection = new MySqlConnection(ServerConnectionString());
        await connection.OpenAsync(cancellationToken);
        await using var command = new MySqlCommand("SELECT 1", connection);
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken)) == 1;
    }

    private static async Task InstallAsync(string dataDirectory, ConsoleLog console, CancellationToken cancellationToken)
    {
        var install = ManagedProcess.Start(Binaries.Find("mariadb-install-db", "mariadb-server"),
        [
            "--no-defaults", $"--datadir={dataDirectory}", "--auth-root-authentication-method=normal", "--skip-test-db",
            .. System.Environment.UserName == "root" ? new[] { "--user=root" } : [],
        ], console);
        var exitCode = await install.Exited.WaitAsync(cancellationToken);
        if (exitCode != 0)
        {
            throw new DistributedApplicationException($"mariadb-install-db failed with exit code {exitCode}; see the console of the MySQL resource.");
        }
    }

    /// <summary>mariadb-install-db leaves passwordless root accounts on every host; lock them all, drop the rest.</summary>
    private static async Task LockRootAccountsAsync(string socket, string password, CancellationToken cancellationToken)
    {
        await using var connection = new MySqlConnection(new MySqlConnectionStringBuilder
        {
            Server = socket,
            ConnectionProtocol = MySqlConnectionProtocol.UnixSocket,
            UserID = "root",
        }.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new MySqlCommand(
            $"""
            DELETE FROM mysql.global_priv WHERE User = '' OR (User = 'root' AND Host NOT IN ('localhost', '127.0.0.1', '::1'));
            FLUSH PRIVILEGES;
            ALTER USER 'root'@'localhost' IDENTIFIED BY '{password}';
            ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY '{password}';
            ALTER USER 'root'@'::1' IDENTIFIED BY '{password}';
            """, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task WaitForSocketAsync(string socket, ResourceInstance instance, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!File.Exists(socket))
        {
            if (instance.Process!.HasExited)
            {
                throw new DistributedApplicationException("mariadbd exited during start; see the console of the MySQL resource.");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new DistributedApplicationException("mariadbd did not start within 60 s.");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>Unix socket paths are limited to about 100 bytes; a deep data directory gets one under /tmp.</summary>
    private static string SocketPath(string dataDirectory)
    {
        var socket = Path.Combine(dataDirectory, "mysqld.sock");
        return socket.Length < 100
            ? socket
            : Path.Combine(Path.GetTempPath(), $"toutiao-{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(dataDirectory)))[..12]}.sock");
    }
}

/// <summary>
/// A database on a <see cref="MySqlServerResource"/>: created if missing, then its initializer
/// (a project command such as <c>Toutiao.Web initialize-database</c>) runs to completion before it
/// counts as Running. With <c>ConnectionStrings:{name}</c> configured, that database is handed on
/// untouched and no server is started.
/// </summary>
public sealed class MySqlDatabaseResource(string name, string databaseName, MySqlServerResource server, string? externalConnectionString)
    : Resource(name), IResourceWithConnectionString
{
    public override string Type => IsExternal ? "MySqlDatabase (external)" : "MySqlDatabase";

    public MySqlServerResource Server { get; } = server;

    public string DatabaseName { get; } = databaseName;

    public bool IsExternal => externalConnectionString is not null;

    public string? ConnectionString => externalConnectionString
        ?? (Server.Port is null ? null : Server.ServerConnectionString(DatabaseName));

    /// <summary>The project and arguments that load the schema and data, run once per start.</summary>
    public (ProjectResource Project, string[] Arguments)? Initializer { get; set; }

    internal override async Task StartAsync(ResourceInstance instance, OrchestrationContext context, CancellationToken cancellationToken)
    {
        if (IsExternal)
        {
            instance.Url = "(external connection string)";
            return;
        }

        await using (var connection = new MySqlConnection(Server.ServerConnectionString()))
        {
            await connection.OpenAsync(cancellationToken);
            await using var create = new MySqlCommand(
                $"CREATE DATABASE IF NOT EXISTS `{DatabaseName.Replace("`", "``")}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci", connection);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        instance.Url = $"{Server.Instances[0].Url}/{DatabaseName}";
        if (Initializer is { } initializer)
        {
            var environment = new Dictionary<string, string> { [$"ConnectionStrings__{Name}"] = ConnectionString! };
            var run = initializer.Project.StartCommand(initializer.Arguments, environment, instance.Console, context);
            int exitCode;
            try
            {
                exitCode = await run.Exited.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                run.Kill();
                throw;
            }

            if (exitCode != 0)
            {
                throw new DistributedApplicationException(
                    $"The initializer of '{Name}' ({initializer.Project.Name} {string.Join(' ', initializer.Arguments)}) failed with exit code {exitCode}; see its console.");
            }
        }
    }

    internal override async Task<bool> CheckHealthAsync(ResourceInstance instance, CancellationToken cancellationToken)
    {
        await using var connection = new MySqlConnection(ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new MySqlCommand("SELECT 1", connection);
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken)) == 1;
    }
}
