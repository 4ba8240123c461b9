using MySqlConnector;
using Toutiao.Tests.Infrastructure;
using Toutiao.Web.Database;

namespace Toutiao.Tests.Database;

/// <summary>
/// <c>Toutiao.Web initialize-database</c> creates the schema only; the demo users and articles come
/// with <c>--demo-data</c>, which only the AppHost's run passes (a deployment's Job does not: see
/// <c>Deploy/KubernetesManifestTests</c>, which compares the Job's arguments with the publish manifest's).
/// </summary>
[Collection(ToutiaoCollection.Name)]
public sealed class DatabaseCommandTests(ToutiaoFixture fixture)
{
    [Fact]
    public async Task Without_the_demo_flag_the_command_creates_the_schema_and_no_data()
    {
        var database = "toutiao_schema_" + Guid.NewGuid().ToString("N")[..8];
        var connectionString = new MySqlConnectionStringBuilder(fixture.Storage.MySqlConnectionString) { Database = database }.ConnectionString;
        try
        {
            Assert.Equal(0, await DatabaseCommand.RunAsync([$"--ConnectionStrings:toutiao={connectionString}"]));

            await using var connection = new MySqlConnection(connectionString);
            await connection.OpenAsync();
            await using var count = new MySqlCommand("""
                SELECT (SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'news_article_basic'),
                       (SELECT COUNT(*) FROM news_article_basic), (SELECT COUNT(*) FROM user_basic), (SELECT COUNT(*) FROM toutiao_seed_history)
                """, connection);
            await using var row = await count.ExecuteReaderAsync();
            Assert.True(await row.ReadAsync());
            Assert.Equal((1L, 0L, 0L, 0L), (row.GetInt64(0), row.GetInt64(1), row.GetInt64(2), row.GetInt64(3)));
        }
        finally
        {
            await using var drop = new MySqlConnection(fixture.Storage.MySqlConnectionString);
            await drop.OpenAsync();
            await using var command = new MySqlCommand($"DROP DATABASE IF EXISTS `{database}`", drop);
            await command.ExecuteNonQueryAsync();
        }
    }
}
