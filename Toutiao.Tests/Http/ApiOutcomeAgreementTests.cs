using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Toutiao.Tests.Infrastructure;
using Toutiao.Web.Auth;
using Toutiao.Web.Http;

namespace Toutiao.Tests.Http;

/// <summary>
/// What ops count (toutiao.api.requests' outcome) and what the client gets (the status) agree, for
/// failures thrown by a handler, results returned by it, and failures while binding its parameters.
/// Web's own pipeline (<see cref="HttpApiExtensions"/>) on an in-memory server: no storage needed.
/// </summary>
[Trait("Category", TestCategories.Unit)]
public sealed class ApiOutcomeAgreementTests : IAsyncLifetime
{
    private readonly Channel<(string Route, string Outcome)> _measured = Channel.CreateUnbounded<(string Route, string Outcome)>();
    private MeterListener? _listener;
    private WebApplication? _app;
    private HttpClient _client = null!;

    public static TheoryData<string> Failures => ["redis-oom", "redis-timeout", "socket", "timeout", "validation", "unauthorized", "not-found", "bug"];

    public async Task InitializeAsync()
    {
        _listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == ApiMetrics.MeterName && instrument.Name == "toutiao.api.requests")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        _listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            string? route = null, outcome = null;
            foreach (var tag in tags)
            {
                route = tag.Key == "route" ? (string?)tag.Value : route;
                outcome = tag.Key == "outcome" ? (string?)tag.Value : outcome;
            }

            // Other tests may measure Web's routes at the same time: only this test's count.
            if (route?.StartsWith("/agreement/", StringComparison.Ordinal) == true)
            {
                _measured.Writer.TryWrite((route, outcome!));
            }
        });
        _listener.Start();

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = Environments.Production });
        builder.WebHost.UseTestServer();
        builder.Logging.ClearProviders();
        builder.AddHttpApi();
        _app = builder.Build();
        _app.UseHttpApi();
        _app.UseApiOutcomes();
        var api = _app.MapApi();
        api.MapGet("/agreement/fail/{kind}", (string kind) => Throw(kind));
        api.MapGet("/agreement/ok", () => TypedResults.Ok());
        api.MapGet("/agreement/bad-result", () => TypedResults.BadRequest());
        api.MapPost("/agreement/signed-in", (SignedInReader reader, JsonElement body) => TypedResults.Ok(reader.UserId));
        api.MapGet("/agreement/reader", (Reader reader) => TypedResults.Ok(reader.RecoUserId));
        await _app.StartAsync();
        _client = _app.GetTestClient();
    }

    public async Task DisposeAsync()
    {
        _listener?.Dispose();
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    [Theory]
    [MemberData(nameof(Failures))]
    public async Task A_failure_is_counted_with_the_outcome_of_the_status_the_client_gets(string kind)
    {
        using var response = await _client.GetAsync($"/agreement/fail/{kind}");

        var outcome = await Outcome("/agreement/fail/{kind}");
        Assert.Equal(ApiMetrics.Outcome((int)response.StatusCode), outcome);
        if (kind.StartsWith("redis", StringComparison.Ordinal) || kind is "socket" or "timeout")
        {
            Assert.Equal(("unavailable", HttpStatusCode.ServiceUnavailable), (outcome, response.StatusCode));
        }

        // The client gets the envelope, whatever failed.
        Assert.True(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.TryGetProperty("message", out _));
    }

    [Fact]
    public async Task Success_is_counted_ok_with_its_status()
    {
        using var response = await _client.GetAsync("/agreement/ok");
        Assert.Equal((HttpStatusCode.OK, "ok"), (response.StatusCode, await Outcome("/agreement/ok")));
    }

    [Fact]
    public async Task A_validation_result_returned_rather_than_thrown_is_counted_with_its_status()
    {
        using var response = await _client.GetAsync("/agreement/bad-result");
        Assert.Equal((HttpStatusCode.BadRequest, "bad_request"), (response.StatusCode, await Outcome("/agreement/bad-result")));
    }

    [Fact]
    public async Task A_signed_in_endpoint_answers_401_before_it_reads_the_body_and_counts_it()
    {
        // Not JSON at all: read first, it would be a 400.
        using var body = new StringContent("{ this is not json", Encoding.UTF8, "application/json");
        using var response = await _client.PostAsync("/agreement/signed-in", body);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("Sign in first", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("unauthorized", await Outcome("/agreement/signed-in"));
    }

    [Fact]
    public async Task An_anonymous_reader_also_gets_401_from_a_signed_in_endpoint()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/agreement/signed-in") { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Authorization", "Anony reader-1");
        using var response = await _client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData(null, HttpStatusCode.OK, "")]
    [InlineData("Anony reader-1", HttpStatusCode.OK, "anony:reader-1")]
    [InlineData("Anony not/valid", HttpStatusCode.BadRequest, null)]
    [InlineData("Basic dXNlcjpwdw==", HttpStatusCode.BadRequest, null)]
    public async Task The_reader_binds_from_the_authorization_header(string? authorization, HttpStatusCode status, string? recoUserId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/agreement/reader");
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        using var response = await _client.SendAsync(request);

        Assert.Equal(status, response.StatusCode);
        Assert.Equal(ApiMetrics.Outcome((int)status), await Outcome("/agreement/reader"));
        if (recoUserId is not null)
        {
            Assert.Equal(recoUserId, JsonSerializer.Deserialize<string>(await response.Content.ReadAsStringAsync()));
        }
    }

    /// <summary>
    /// The outcome measured for <paramref name="route"/>: recorded when the pipeline returns, which
    /// may be just after the client has its answer, so it is awaited.
    /// </summary>
    private async Task<string> Outcome(string route)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await foreach (var (measuredRoute, outcome) in _measured.Reader.ReadAllAsync(timeout.Token))
        {
            if (measuredRoute == route)
            {
                return outcome;
            }
        }

        throw new InvalidOperationException("unreachable: the channel is never completed");
    }

    private static IResult Throw(string kind)
    {
#pragma warning disable CS0618 // The constructors StackExchange.Redis itself uses for these replies.
        throw kind switch
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
    }
}
