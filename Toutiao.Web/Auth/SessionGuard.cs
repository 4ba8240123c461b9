using Microsoft.Extensions.Options;
using MySqlConnector;

namespace Toutiao.Web.Auth;

/// <summary>
/// Access tokens are checked by signature alone, so a disabled user's or a signed-out family's
/// would work until they expire (2 h). Every <see cref="JwtOptions.SessionCheckInterval"/> this
/// loads who is disabled (MySQL) and which families are revoked (<see cref="SessionFamilies"/>), and
/// a request whose token is one of them is a 401: one query and one Redis command per interval and
/// process, nothing per request. A failed check keeps the last answer.
/// </summary>
public sealed partial class SessionGuard(MySqlDataSource database, SessionFamilies families, IOptions<JwtOptions> options, ILogger<SessionGuard> logger)
    : BackgroundService
{
    private Refused _refused = new([], []);
    private TaskCompletionSource _checked = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Why a token of <paramref name="userId"/> in <paramref name="family"/> is refused, or null.</summary>
    public string? Refusal(long userId, string? family)
    {
        var refused = Volatile.Read(ref _refused);
        return refused.DisabledUsers.Contains(userId) ? "User is disabled."
            : family is not null && refused.RevokedFamilies.Contains(family) ? "Signed out: sign in again."
            : null;
    }

    /// <summary>Completes when a check that began after this call has ended.</summary>
    public async Task NextCheckAsync()
    {
        // The check under way may have read before the change that is waited for: the one after it has not.
        await Volatile.Read(ref _checked).Task;
        await Volatile.Read(ref _checked).Task;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SessionCheckInterval);
        do
        {
            try
            {
                Volatile.Write(ref _refused, new Refused(await DisabledUsersAsync(stoppingToken), await families.RevokedAsync()));
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogCheckFailed(ex);
            }

            Interlocked.Exchange(ref _checked, new(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private async Task<HashSet<long>> DisabledUsersAsync(CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("SELECT user_id FROM user_basic WHERE status <> 1");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var disabled = new HashSet<long>();
        while (await reader.ReadAsync(cancellationToken))
        {
            disabled.Add(reader.GetInt64(0));
        }

        return disabled;
    }

    private sealed record Refused(HashSet<long> DisabledUsers, HashSet<string> RevokedFamilies);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Checking for disabled users and revoked sign-ins failed; the last answer stands")]
    private partial void LogCheckFailed(Exception exception);
}
