using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MySqlConnector;
using Toutiao.Web.Articles;

namespace Toutiao.Web.Http;

/// <summary>
/// <c>Idempotency-Key</c>: a write sent again with the key of an earlier one (a retry after a
/// timeout or a 503 whose write was in fact done) gets the first answer and adds no second row. The
/// key is claimed in the write's own transaction (<c>news_idempotent_write</c>): a retry that arrives
/// while the first is running waits for it on the row's lock, then finds its answer; a first write
/// that was rolled back leaves the key free. Keys are per reader and kept a day.
/// </summary>
public sealed partial class IdempotentWrites(MySqlDataSource database, ILogger<IdempotentWrites> logger) : BackgroundService
{
    public const string Header = "Idempotency-Key";

    public const int MaxKeyLength = 64;

    public static readonly TimeSpan Retention = TimeSpan.FromDays(1);

    /// <summary>The request's key, null without one; 400 when it is not 1 to 64 visible ASCII characters.</summary>
    public static string? KeyOf(HttpRequest request)
    {
        if (!request.Headers.TryGetValue(Header, out var values))
        {
            return null;
        }

        var key = values.ToString();
        if (values.Count != 1 || key.Length is 0 or > MaxKeyLength || key.Any(c => c is < '!' or > '~'))
        {
            throw ApiException.BadRequest($"{Header} must be 1 to {MaxKeyLength} visible ASCII characters.");
        }

        return key;
    }

    /// <summary>What identifies the write's content: the same key with other content is refused (422), not answered with another write's answer.</summary>
    public static string Fingerprint(params object?[] parts)
        => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(parts, ToutiaoJson.Options))));

    /// <summary>
    /// Claims <paramref name="key"/> for this write in its transaction. The first answer when the key
    /// was used before (the transaction should then end without writing); null when the write is
    /// this one's to do. A claim that collides with one committed meanwhile fails with a duplicate
    /// key: <see cref="Database.TransactionRetry"/> runs the transaction again, which finds the answer.
    /// </summary>
    public static async Task<T?> ClaimAsync<T>(MySqlConnection connection, MySqlTransaction transaction, long userId, string key, string fingerprint, CancellationToken cancellationToken)
        where T : class
    {
        await using var command = new MySqlCommand("SELECT fingerprint, response FROM news_idempotent_write WHERE user_id = @u AND idem_key = @k", connection, transaction);
        command.Parameters.Add(new MySqlParameter("@u", userId));
        command.Parameters.Add(new MySqlParameter("@k", key));
        command.Parameters.Add(new MySqlParameter("@f", fingerprint));
        await using (var found = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (await found.ReadAsync(cancellationToken))
            {
                if (found.GetString(0) != fingerprint)
                {
                    throw new ApiException(StatusCodes.Status422UnprocessableEntity, $"This {Header} was used for a different request.");
                }

                return JsonSerializer.Deserialize<T>(found.GetString(1), ToutiaoJson.Options);
            }
        }

        command.CommandText = "INSERT INTO news_idempotent_write (user_id, idem_key, fingerprint) VALUES (@u, @k, @f)";
        await command.ExecuteNonQueryAsync(cancellationToken);
        return null;
    }

    /// <summary>Stores the write's answer with its claim, in the same transaction.</summary>
    public static async Task StoreAsync<T>(MySqlConnection connection, MySqlTransaction transaction, long userId, string key, T answer, CancellationToken cancellationToken)
    {
        await using var command = new MySqlCommand("UPDATE news_idempotent_write SET response = @r WHERE user_id = @u AND idem_key = @k", connection, transaction);
        command.Parameters.Add(new MySqlParameter("@u", userId));
        command.Parameters.Add(new MySqlParameter("@k", key));
        command.Parameters.Add(new MySqlParameter("@r", JsonSerializer.Serialize(answer, ToutiaoJson.Options)));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Forgets keys older than <see cref="Retention"/>, every hour, 10,000 rows a statement.</summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1));
        do
        {
            try
            {
                int deleted;
                do
                {
                    await using var command = database.CreateCommand(
                        "DELETE FROM news_idempotent_write WHERE ctime < NOW() - INTERVAL @seconds SECOND LIMIT 10000");
                    command.Parameters.Add(new MySqlParameter("@seconds", (long)Retention.TotalSeconds));
                    deleted = await command.ExecuteNonQueryAsync(stoppingToken);
                }
                while (deleted == 10_000);
            }
            catch (Exception ex) when (ex is MySqlException or TimeoutException)
            {
                LogCleanupFailed(ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Forgetting old idempotency keys failed; tried again within the hour")]
    private partial void LogCleanupFailed(Exception exception);
}
