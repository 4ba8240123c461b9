namespace Toutiao.Web.Auth;

/// <summary>Development only: the code goes to Web's log (and so to the dashboard), not to a phone.</summary>
public sealed partial class DevelopmentSmsSender(ILogger<DevelopmentSmsSender> logger) : ISmsSender
{
    public Task SendCodeAsync(string mobile, string code, CancellationToken cancellationToken)
    {
        LogCode(mobile, code);
        return Task.CompletedTask;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Login code for {Mobile}: {Code} (Development: no SMS is sent)")]
    private partial void LogCode(string mobile, string code);
}
