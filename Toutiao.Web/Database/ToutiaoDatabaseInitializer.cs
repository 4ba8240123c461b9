using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using MySqlConnector;
using Toutiao.Web.Keywords;

namespace Toutiao.Web.Database;

/// <summary>
/// Creates the Toutiao database, its schema (<c>schema.sql</c>) and the deterministic demo data
/// (<c>seed.sql</c>). Idempotent and safe to run from several processes at once: the seed is
/// loaded under a server lock, in one transaction, and recorded in <c>toutiao_seed_history</c>.
/// Used by the tests and the AppHost (<c>Toutiao.Web initialize-database</c>).
/// </summary>
public static partial class ToutiaoDatabaseInitializer
{
    public const int SeedVersion = 2;
    public const int ApprovedArticleCount = 50_000;
    public const int UserCount = 1_000;
    public const int ChannelCount = 26;

    /// <summary>Ensures the database, the schema and the demo data exist. Returns true when the data was loaded now.</summary>
    public static async Task<bool> InitializeAsync(string connectionString, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        logger ??= NullLogger.Instance;
        await CreateSchemaAsync(connectionString, cancellationToken);

        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);

        var lockName = $"toutiao-seed-{connection.Database}";
        if (Convert.ToInt32(await ScalarAsync(connection, $"SELECT GET_LOCK('{lockName}', 120)", cancellationToken)) != 1)
        {
            throw new TimeoutException("Another process held the seed lock for more than 120 s.");
        }

        try
        {
            if (Convert.ToInt64(await ScalarAsync(connection, $"SELECT COUNT(*) FROM toutiao_seed_history WHERE version = {SeedVersion}", cancellationToken)) > 0)
            {
                LogAlreadySeeded(logger, connection.Database);
                return false;
            }

            var stopwatch = Stopwatch.StartNew();
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            // Version 2 rewrites version 1's demo text in place (see seed.sql): one script for both.
            await ExecuteAsync(connection, transaction, ReadScript("seed.sql"), cancellationToken);
            var keywordsStarted = stopwatch.ElapsedMilliseconds;
            var articles = await ArticleKeywordStore.RebuildAsync(connection, transaction, cancellationToken);
            LogKeywords(logger, articles, stopwatch.ElapsedMilliseconds - keywordsStarted);
            await ExecuteAsync(connection, transaction, $"INSERT INTO toutiao_seed_history (version) VALUES ({SeedVersion})", cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            LogSeeded(logger, connection.Database, stopwatch.ElapsedMilliseconds);
            return true;
        }
        finally
        {
            await ScalarAsync(connection, $"SELECT RELEASE_LOCK('{lockName}')", CancellationToken.None);
        }
    }

    /// <summary>The database, its schema and the migrations, without any data: what a deployment initializes.</summary>
    public static async Task CreateSchemaAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        await CreateDatabaseAsync(connectionString, cancellationToken);
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null, ReadScript("schema.sql"), cancellationToken);
        await ExecuteAsync(connection, null, ReadScript("migrate.sql"), cancellationToken);
    }

    /// <summary>Creates the database named in the connection string, connecting without it.</summary>
    public static async Task CreateDatabaseAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        var builder = new MySqlConnectionStringBuilder(connectionString);
        var database = builder.Database;
        if (string.IsNullOrEmpty(database))
        {
            throw new ArgumentException("The connection string names no database.", nameof(connectionString));
        }

        builder.Database = "";
        await using var connection = new MySqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await ExecuteAsync(connection, null,
            $"CREATE DATABASE IF NOT EXISTS `{database.Replace("`", "``")}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
            cancellationToken);
    }

    private static string ReadScript(string name)
    {
        using var stream = typeof(ToutiaoDatabaseInitializer).Assembly.GetManifestResourceStream($"Toutiao.Web.Database.{name}")
            ?? throw new InvalidOperationException($"Embedded script {name} is missing.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static async Task ExecuteAsync(MySqlConnection connection, MySqlTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new MySqlCommand(sql, connection, transaction) { CommandTimeout = 300 };
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<object?> ScalarAsync(MySqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new MySqlCommand(sql, connection) { CommandTimeout = 300 };
        return await command.ExecuteScalarAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Database {Database} already holds the demo data")]
    private static partial void LogAlreadySeeded(ILogger logger, string database);

    [LoggerMessage(Level = LogLevel.Information, Message = "Computed the keywords of {Articles} articles in {ElapsedMs} ms")]
    private static partial void LogKeywords(ILogger logger, int articles, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded the demo data into {Database} in {ElapsedMs} ms")]
    private static partial void LogSeeded(ILogger logger, string database, long elapsedMs);
}
