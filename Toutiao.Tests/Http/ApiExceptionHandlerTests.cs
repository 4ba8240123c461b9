using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Toutiao.Web.Http;

namespace Toutiao.Tests.Http;

public sealed class ApiExceptionHandlerTests
{
    [Fact]
    public async Task A_client_that_disconnects_is_a_logged_cancellation_not_a_500()
    {
        var logs = new ListLogger();
        using var disconnected = new CancellationTokenSource();
        await disconnected.CancelAsync();
        var context = new DefaultHttpContext { RequestAborted = disconnected.Token };

        Assert.True(await new ApiExceptionHandler(logs).TryHandleAsync(context, new OperationCanceledException(disconnected.Token), default));
        Assert.Equal(ApiExceptionHandler.ClientClosedRequest, context.Response.StatusCode);
        var entry = Assert.Single(logs.Entries);
        Assert.Equal(LogLevel.Information, entry.Level);
        Assert.Contains("client disconnected", entry.Message);
    }

    [Fact]
    public async Task A_cancellation_while_the_client_is_still_there_is_still_a_500()
    {
        var logs = new ListLogger();
        var context = new DefaultHttpContext();
        context.Response.Body = new MemoryStream();

        Assert.True(await new ApiExceptionHandler(logs).TryHandleAsync(context, new OperationCanceledException(), default));
        Assert.Equal(StatusCodes.Status500InternalServerError, context.Response.StatusCode);
        Assert.Equal(LogLevel.Error, Assert.Single(logs.Entries).Level);
    }

    private sealed class ListLogger : ILogger<ApiExceptionHandler>
    {
        public List<(LogLevel Level, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => Entries.Add((logLevel, formatter(state, exception)));
    }
}
