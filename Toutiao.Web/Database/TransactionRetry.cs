using MySqlConnector;

namespace Toutiao.Web.Database;

/// <summary>
/// Runs a short transaction again when InnoDB rolled it back to break a deadlock, or when a row it
/// meant to insert was inserted first by the same request made twice at once: both are races the
/// transaction itself resolves on a second look.
/// </summary>
public static class TransactionRetry
{
    public const int MaxAttempts = 5;

    private const int DuplicateKey = 1062;
    private const int Deadlock = 1213;

    public static Task RunAsync(Func<Task> transaction) => RunAsync(async () =>
    {
        await transaction();
        return true;
    });

    public static async Task<T> RunAsync<T>(Func<Task<T>> transaction)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await transaction();
            }
            catch (MySqlException ex) when (ex.Number is DuplicateKey or Deadlock && attempt < MaxAttempts)
            {
                // Look again: the other transaction has committed or rolled back by now.
            }
        }
    }
}
