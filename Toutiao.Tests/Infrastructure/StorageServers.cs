using System.Security.Cryptography;
using MySqlConnector;

namespace Toutiao.Tests.Infrastructure;

/// <summary>
/// A real redis-server and a real mariadbd on free loopback ports, in a private temp directory,
/// both with generated passwords. Disposing stops both and deletes the directory.
/// </summary>
public sealed class StorageServers : IAsyncDisposable
{
    private readonly List<LocalServer> _servers = [];

    private StorageServers(string directory) => Directory = directory;

    public string Directory { get; }

    public string RedisConnectionString { get; private set; } = "";

    public string MySqlConnectionString { get; private set; } = "";

    public static async Task<StorageServers> StartAsync(string database)
    {
        var servers = new StorageServers(System.IO.Directory.CreateTempSubdirectory("toutiao-tests-").FullName);
        try
        {
            await Task.WhenAll(servers.StartRedisAsync(), servers.StartMariaDbAsync(database));
            return servers;
        }
        catch
        {
            await servers.DisposeAsync();
            throw;
        }
    }

    private async Task StartRedisAsync()
    {
        var port = LocalServer.FreePort();
        var password = NewPassword();
        var redis = Track(LocalServer.Start("redis-server",
        [
            "--port", port.ToString(), "--bind", "127.0.0.1", "--requirepass", password,
            "--save", "", "--appendonly", "no", "--dir", Directory, "--protected-mode", "yes",
        ]));
        await redis.WaitForPortAsync(port, TimeSpan.FromSeconds(20));
        RedisConnectionString = $"127.0.0.1:{port},password={password}";
    }

    private async Task StartMariaDbAsync(string database)
    {
        var dataDirectory = Path.Combine(Directory, "mysql");
        var socket = Path.Combine(Directory, "mysql.sock");
        var port = LocalServer.FreePort();
        await LocalServer.RunAsync(LocalServer.FindBinary("mariadb-install-db"),
            "--no-defaults", $"--datadir={dataDirectory}", "--user=root",
            "--auth-root-authentication-method=normal", "--skip-test-db");

        var mariadb = Track(LocalServer.Start("mariadbd",
        [
            "--no-defaults", $"--datadir={dataDirectory}", $"--socket={socket}", $"--port={port}",
            "--bind-address=127.0.0.1", "--user=root", "--skip-name-resolve",
            $"--pid-file={Path.Combine(Directory, "mysql.pid")}", "--innodb-buffer-pool-size=256M",
            "--innodb-flush-log-at-trx-commit=2", "--skip-log-bin",
        ]));
        await mariadb.WaitForPortAsync(port, TimeSpan.FromSeconds(30));

        // mariadb-install-db leaves root without a password on every host: lock all of them.
        var password = NewPassword();
        await using (var connection = new MySqlConnection($"Server={socket};Protocol=Unix;User ID=root"))
        {
            await connection.OpenAsync();
            await using var command = new MySqlCommand(
                $"""
                DELETE FROM mysql.global_priv WHERE User = '' OR (User = 'root' AND Host NOT IN ('localhost', '127.0.0.1', '::1'));
                FLUSH PRIVILEGES;
                ALTER USER 'root'@'localhost' IDENTIFIED BY '{password}';
                ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY '{password}';
                ALTER USER 'root'@'::1' IDENTIFIED BY '{password}';
                """, connection);
            await command.ExecuteNonQueryAsync();
        }

        MySqlConnectionString = $"Server=127.0.0.1;Port={port};User ID=root;Password={password};Database={database}";
    }

    private LocalServer Track(LocalServer server)
    {
        lock (_servers)
        {
            _servers.Add(server);
        }

        return server;
    }

    private static string NewPassword() => Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A server may still hold a file for a moment; the OS cleans temp eventually.
        }
    }
}
