using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Toutiao.Tests.Infrastructure;

namespace Toutiao.Tests.ServiceDefaults;

/// <summary>Our HttpClients' resilience: a request that never reached a server is tried again, one that did never is.</summary>
[Trait("Category", TestCategories.Unit)]
public sealed class GrpcUnaryResilienceTests
{
    [Fact]
    public async Task A_refused_connection_is_tried_again_and_the_next_attempt_answers()
    {
        var server = new ScriptedHandler(new HttpRequestException(HttpRequestError.ConnectionError, "refused"), null);
        using var client = ClientOver(server);

        using var response = await client.GetAsync("http://reco/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, server.Attempts);
    }

    [Fact]
    public async Task A_connection_refused_three_times_fails_after_two_retries()
    {
        var refused = new HttpRequestException(HttpRequestError.ConnectionError, "refused");
        var server = new ScriptedHandler(refused, refused, refused, null);
        using var client = ClientOver(server);

        var failure = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("http://reco/"));

        Assert.Equal(HttpRequestError.ConnectionError, failure.HttpRequestError);
        Assert.Equal(3, server.Attempts);
    }

    [Fact]
    public async Task A_request_that_reached_the_server_is_never_repeated()
    {
        // The response ended half way: the server may have recorded a page already.
        var server = new ScriptedHandler(new HttpRequestException(HttpRequestError.ResponseEnded, "ended"), null);
        using var client = ClientOver(server);

        await Assert.ThrowsAsync<HttpRequestException>(() => client.GetAsync("http://reco/"));

        Assert.Equal(1, server.Attempts);
    }

    private static HttpClient ClientOver(ScriptedHandler server)
    {
        var services = new ServiceCollection();
        services.AddHttpClient("reco").ConfigurePrimaryHttpMessageHandler(() => server).AddGrpcUnaryResilience();
        return services.BuildServiceProvider().GetRequiredService<IHttpClientFactory>().CreateClient("reco");
    }

    /// <summary>Throws the given failures in turn; null answers 200.</summary>
    private sealed class ScriptedHandler(params HttpRequestException?[] outcomes) : HttpMessageHandler
    {
        public int Attempts { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var outcome = outcomes[Math.Min(Attempts++, outcomes.Length - 1)];
            return outcome is null ? Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)) : Task.FromException<HttpResponseMessage>(outcome);
        }
    }
}
