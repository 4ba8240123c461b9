using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Toutiao.Tests.Infrastructure;
using Toutiao.Web.Http;

namespace Toutiao.Tests.Http;

[Trait("Category", TestCategories.Unit)]
public sealed class ApiExceptionHandlerTests
{
    [Theory]
    [InlineData("oom")]
    [InlineData("readonly")]
    [InlineData("mysql")]
    [InlineData("redis-timeout")]
    public async Task Storage_exceptions_of_every_kind_are_a_503_never_a_500(string kind)
    {
#pragma warning disable CS0618 // The constructors StackExchange.Redis itself uses for these replies.
        var exception = kind switch
        {
            "oom" => new StackExchange.Redis.RedisServerException("OOM command not allowed when used memory > 'maxmemory'."),
            "readonly" => new StackExchange.Redis.RedisServerException("READONLY You can't write against a read only replica."),
            "redis-timeout" => new StackExchange.Redis.RedisTimeoutException("Timeout performing EVALSHA", StackExchange.Redis.CommandStatus.Sent),
            _ => await RealMySqlConnectFailureAsync(),
        };
#pragma warning restore CS0618
        var context = new DefaultHttpContext();
        context.Response.Body = new MemoryStream();

        Assert.True(await new ApiExceptionHandler(new ListLogger()).TryHandleAsync(context, exception, default));
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, context.Response.StatusCode);
    }

    [Fact]
    public async Task A_client_that_disconnects_is_a_logged_cancellation_not_a_500()
    {
        var logs = new ListLogger();
        using var disconnected = new CancellationTokenSource();
        await disconnected.CancelAsync();
        var context = new DefaultHttpContext { RequestAborted = disconnected.Token };

        Assert.True(await new ApiExceptionHandler(logs).TryHandleAsync(context, new OperationCanceledException(disconnected.Token), default));
        Assert.Equal(ApiFailure.ClientClosedRequest, context.Response.StatusCode);
        var entry = Assert.Single(logs.Entries);
        Assert.Equal(LogLevel.Information, entry.Level);
        Assert.Contains("client disconnected", entry.Message);
    }

    [Fact]
    public async Task A_cancellation_while_the_client_is_still_there_is_a_timeout_of_a_dependency_503_and_logged_as_an_error()
    {
        var logs = new ListLogger();
        var context = new DefaultHttpContext();
        context.Response.Body = new MemoryStream();

        Assert.True(await new ApiExceptionHandler(logs).TryHandleAsync(context, new OperationCanceledException(), default));
        // Nobody asked for it: some storage or client timeout fired. Retryable, and worth an error log.
        Assert.Equal(StatusCodes.Status503ServiceUnavailable, context.Response.StatusCode);
        Assert.Equal(LogLevel.Error, Assert.Single(logs.Entries).Level);
    }

    private static async Task<Exception> RealMySqlConnectFailureAsync()
    {
        try
        {
            await using var connection = new MySqlConnector.MySqlConnection($"Server=127.0.0.1;Port={Toutiao.Tests.Infrastructure.Ports.Free()};Connect Timeout=1;Pooling=false");
            await connection.OpenAsync();
            throw new InvalidOperationException("Nothing should listen on a free port.");
        }
        catch (MySqlConnector.MySqlException ex)
        {
            return ex;
        }
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
