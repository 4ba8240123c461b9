extern alias reco;

using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;
using Toutiao.Tests.Infrastructure;

namespace Toutiao.Tests.Database;

/// <summary>
/// Web and Reco connect with accounts of their own (the AppHost's <c>AddUser</c>, created by the
/// server's init file): data on the app's tables, and nothing else: no schema, no other database,
/// no accounts. root is the initializer's.
/// </summary>
[Collection(ToutiaoCollection.Name)]
public sealed class DatabaseAccountTests(ToutiaoFixture fixture)
{
    [Fact]
    public async Task Web_and_reco_are_connected_as_their_own_accounts_not_root()
    {
        Assert.Equal("toutiao_web@127.0.0.1", await CurrentUserAsync(fixture.WebService<MySqlDataSource>()));
        Assert.Equal("toutiao_reco@127.0.0.1", await CurrentUserAsync(fixture.Reco.Services.GetRequiredService<MySqlDataSource>()));
    }

    [Theory]
    [InlineData("web")]
    [InlineData("reco")]
    public async Task A_service_account_reads_and_writes_the_apps_tables_and_nothing_more(string service)
    {
        await using var data = new MySqlDataSource(service == "web" ? fixture.Storage.WebMySqlConnectionString : fixture.Storage.RecoMySqlConnectionString);
        Assert.True(await ScalarAsync<long>(data, "SELECT COUNT(*) FROM news_channel") > 0);
        var name = $"account test {Guid.NewGuid():N}"[..30];
        await ExecuteAsync(data, $"INSERT INTO news_channel (channel_name, is_visible) VALUES ('{name}', 0)");
        await ExecuteAsync(data, $"UPDATE news_channel SET sequence = 1 WHERE channel_name = '{name}'");
        await ExecuteAsync(data, $"DELETE FROM news_channel WHERE channel_name = '{name}'");

        // Schema, other databases, accounts: denied, each with the server's own message.
        await DeniedAsync(data, "CREATE TABLE account_test (id INT)", MySqlErrorCode.TableAccessDenied);
        await DeniedAsync(data, "DROP TABLE news_channel", MySqlErrorCode.TableAccessDenied);
        await DeniedAsync(data, "ALTER TABLE news_channel ADD COLUMN x INT", MySqlErrorCode.TableAccessDenied);
        await DeniedAsync(data, "SELECT COUNT(*) FROM mysql.user", MySqlErrorCode.TableAccessDenied);
        await DeniedAsync(data, "CREATE DATABASE account_test", MySqlErrorCode.DatabaseAccessDenied);
        await DeniedAsync(data, "CREATE USER 'intruder'@'%' IDENTIFIED BY 'x'", MySqlErrorCode.SpecifiedAccessDeniedError);
        await DeniedAsync(data, "GRANT ALL ON toutiao.* TO 'toutiao_web'@'127.0.0.1'", MySqlErrorCode.DatabaseAccessDenied);
    }

    [Fact]
    public async Task The_kubernetes_account_script_grants_what_the_apphost_grants()
    {
        // The script as an operator runs it (as an administrator, passwords in session variables),
        // for accounts at any host ('%'): loopback logins here still match the AppHost's 127.0.0.1 ones.
        var script = await File.ReadAllTextAsync(Path.Combine(Deploy.DeployedObjects.Directory, "database-accounts.sql"));
        var root = new MySqlConnectionStringBuilder(fixture.Storage.MySqlConnectionString) { AllowUserVariables = true }.ConnectionString;
        await using var admin = new MySqlDataSource(root);
        try
        {
            await ExecuteAsync(admin, $"SET @web = 'web-{Guid.NewGuid():N}', @reco = 'reco-{Guid.NewGuid():N}';\n{script}");
            foreach (var user in new[] { "toutiao_web", "toutiao_reco" })
            {
                Assert.Equal(await GrantsAsync(admin, user, "127.0.0.1"), await GrantsAsync(admin, user, "%"));
            }
        }
        finally
        {
            await ExecuteAsync(admin, "DROP USER IF EXISTS 'toutiao_web'@'%', 'toutiao_reco'@'%'");
        }
    }

    /// <summary>An account's grants without its host and password, to compare two accounts.</summary>
    internal static async Task<List<string>> GrantsAsync(MySqlDataSource data, string user, string host)
    {
        await using var command = data.CreateCommand($"SHOW GRANTS FOR '{user}'@'{host}'");
        await using var reader = await command.ExecuteReaderAsync();
        var grants = new List<string>();
        while (await reader.ReadAsync())
        {
            var grant = reader.GetString(0).Replace($"`{user}`@`{host}`", "<account>").Replace($"'{user}'@'{host}'", "<account>");
            grants.Add(System.Text.RegularExpressions.Regex.Replace(grant, " IDENTIFIED BY PASSWORD '[^']*'", ""));
        }

        return [.. grants.Order()];
    }

    internal static async Task<string> CurrentUserAsync(MySqlDataSource data) => await ScalarAsync<string>(data, "SELECT CURRENT_USER()");

    internal static async Task<T> ScalarAsync<T>(MySqlDataSource data, string sql)
    {
        await using var command = data.CreateCommand(sql);
        return (T)Convert.ChangeType((await command.ExecuteScalarAsync())!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    internal static async Task ExecuteAsync(MySqlDataSource data, string sql)
    {
        await using var command = data.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    internal static async Task DeniedAsync(MySqlDataSource data, string sql, MySqlErrorCode expected)
    {
        var denied = await Assert.ThrowsAsync<MySqlException>(() => ExecuteAsync(data, sql));
        Assert.True(denied.ErrorCode == expected, $"{sql}: {denied.ErrorCode} {denied.Message}");
        Assert.Contains("denied", denied.Message, StringComparison.OrdinalIgnoreCase);
    }
}
