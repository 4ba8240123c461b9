using Grpc.Core;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Toutiao.Contracts.Recall;
using Toutiao.Contracts.Storage;
using Toutiao.Reco.Grpc;
using Toutiao.Web.Articles;
using Toutiao.Web.Http;

namespace Toutiao.Web.Feed;

/// <summary>
/// Asks Reco which articles a user sees, with a deadline, behind a circuit breaker. A request Reco
/// calls invalid is a 400; any other failure is a <see cref="RecoUnavailableException"/>, at once
/// while the breaker is open.
/// </summary>
/// <remarks>
/// The breaker sits here, not in the HTTP handler: a gRPC error arrives as HTTP 200 with a status in
/// the trailers, so only the call's <see cref="RpcException"/> shows that Reco failed.
/// </remarks>
public sealed partial class RecoClient(
    UserRecommend.UserRecommendClient client,
    [FromKeyedServices(RecoClient.BreakerName)] ResiliencePipeline breaker,
    IOptions<RecoOptions> options,
    ILogger<RecoClient> logger)
{
    public const string BreakerName = "reco";

    /// <summary>The statuses that say Reco (or its storage) is in trouble; the rest are about the request.</summary>
    public static bool IsRecoFailure(StatusCode status) => status is StatusCode.Unavailable or StatusCode.DeadlineExceeded
        or StatusCode.Internal or StatusCode.Unknown or StatusCode.ResourceExhausted or StatusCode.Unimplemented;

    public static void ConfigureBreaker(ResiliencePipelineBuilder pipeline, TimeSpan breakDuration) => pipeline.AddCircuitBreaker(new()
    {
        ShouldHandle = new PredicateBuilder().Handle<RpcException>(ex => IsRecoFailure(ex.StatusCode)),
        FailureRatio = 0.5,
        MinimumThroughput = 4,
        SamplingDuration = TimeSpan.FromSeconds(10),
        BreakDuration = breakDuration,
    });

    public async Task<Recommendation> RecommendAsync(string userId, int channelId, int articleNum, long timestamp, CancellationToken cancellationToken)
    {
        var request = new UserRequest { UserId = userId, ChannelId = channelId, ArticleNum = articleNum, TimeStamp = timestamp };
        try
        {
            var (response, headers) = await breaker.ExecuteAsync(async token =>
            {
                // Half of what the request has left: the rest is for the articles, or the popular page instead.
                var deadline = DateTime.UtcNow + RequestBudget.Share(options.Value.Deadline, 0.5);
                using var call = client.user_recommendAsync(request, deadline: deadline, cancellationToken: token);
                return (await call.ResponseAsync, await call.ResponseHeadersAsync);
            }, cancellationToken);
            return new Recommendation(
                response.TimeStamp,
                response.Exposure,
                response.Recommends.Select(a => new RecommendedArticle(a.ArticleId,
                    new ArticleTrace(a.Track?.Click ?? "", a.Track?.Collect ?? "", a.Track?.Share ?? "", a.Track?.Read ?? ""))).ToList(),
                headers.GetValue(PopularPage.DegradedHeader))
            {
                StartsAtTop = headers.GetValue(PopularPage.LaterPageHeader) != "later",
                Recorded = response.Recorded,
            };
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.InvalidArgument)
        {
            throw ApiException.BadRequest(ex.Status.Detail);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            // The client went away: a cancellation, for the exception handler to log as one.
            throw new OperationCanceledException(ex.Message, ex, cancellationToken);
        }
        catch (RpcException ex) when (ex.StatusCode != StatusCode.Cancelled || !cancellationToken.IsCancellationRequested)
        {
            LogRecoFailed(ex.StatusCode, ex);
            throw new RecoUnavailableException(ex.StatusCode, ex);
        }
        catch (BrokenCircuitException ex)
        {
            // Reco failed just now: do not make this reader wait for it to fail again.
            throw new RecoUnavailableException(StatusCode.Unavailable, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reco call failed with {StatusCode}")]
    private partial void LogRecoFailed(StatusCode statusCode, Exception exception);
}
