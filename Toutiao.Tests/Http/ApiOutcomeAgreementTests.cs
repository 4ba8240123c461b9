using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Toutiao.Tests.Infrastructure;
using Toutiao.Web.Http;

namespace Toutiao.Tests.Http;

/// <summary>What ops count (toutiao.api.requests' outcome) and what the client gets (the status) agree.</summary>
[Trait("Category", TestCategories.Unit)]
public sealed class ApiOutcomeAgreementTests
{
    public static TheoryData<string> Failures => ["redis-oom", "redis-timeout", "socket", "timeout", "validation", "unauthorized", "not-found", "bug"];

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task A_failure_is_counted_with_the_outcome_of_the_status_the_client_gets(string kind)
    {
#pragma warning disable CS0618 // The constructors StackExchange.Redis itself uses for these replies.
        Exception exception = kind switch
        {
            "redis-oom" => new StackExchange.Redis.RedisServerException("OOM command not allowed when used memory > 'maxmemory'."),
            "redis-timeout" => new StackExchange.Redis.RedisTimeoutException("Timeout performing EVALSHA", StackExchange.Redis.CommandStatus.Sent),
            "socket" => new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionRefused),
            "timeout" => new TimeoutException(),
            "validation" => ApiException.BadRequest("channel_id must be a whole number."),
            "unauthorized" => new ApiException(StatusCodes.Status401Unauthorized, "Sign in first."),
            "not-found" => new ApiException(StatusCodes.Status404NotFound, "No such article."),
            _ => new InvalidOperationException("a bug"),
        };
#pragma warning restore CS0618
        var (outcome, context) = await MeasureAsync(_ => throw exception);

        Assert.True(await new ApiExceptionHandler(NullLogger<ApiExceptionHandler>.Instance).TryHandleAsync(context, exception, default));
        Assert.Equal(ApiMetrics.Outcome(context.Response.StatusCode), outcome);
        if (kind.StartsWith("redis", StringComparison.Ordinal) || kind is "socket" or "timeout")
        {
            Assert.Equal(("unavailable", 503), (outcome, context.Response.StatusCode));
        }
    }

    [Fact]
    public async Task Success_is_counted_ok_with_its_status()
    {
        var (outcome, _) = await MeasureAsync(_ => ValueTask.FromResult<object?>(TypedResults.Ok()));
        Assert.Equal("ok", outcome);
    }

    [Fact]
    public async Task A_validation_result_returned_rather_than_thrown_is_counted_with_its_status()
    {
        var (outcome, _) = await MeasureAsync(_ => ValueTask.FromResult<object?>(TypedResults.BadRequest()));
        Assert.Equal(ApiMetrics.Outcome(StatusCodes.Status400BadRequest), outcome);
        Assert.Equal("bad_request", outcome);
    }

    /// <summary>Runs <paramref name="endpoint"/> through <see cref="ApiMetricsFilter"/> and returns the outcome it recorded.</summary>
    private static async Task<(string Outcome, DefaultHttpContext Context)> MeasureAsync(EndpointFilterDelegate endpoint)
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new ApiMetrics(services.GetRequiredService<IMeterFactory>());
        string? outcome = null;
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == ApiMetrics.MeterName && instrument.Name == "toutiao.api.requests")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "outcome")
                {
                    outcome = (string?)tag.Value;
                }
            }
        });
        listener.Start();

        var context = new DefaultHttpContext();
        context.Response.Body = new MemoryStream();
        try
        {
            await new ApiMetricsFilter(metrics).InvokeAsync(new DefaultEndpointFilterInvocationContext(context), endpoint);
        }
        catch (Exception)
        {
            // The filter rethrows; the exception handler answers (the test calls it).
        }

        return (outcome ?? throw new Xunit.Sdk.XunitException("No toutiao.api.requests measurement was recorded."), context);
    }
}
