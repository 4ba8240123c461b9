using Grpc.Core;
using Microsoft.Extensions.Options;
using Toutiao.Reco.Grpc;
using Toutiao.Web.Articles;
using Toutiao.Web.Http;

namespace Toutiao.Web.Feed;

public sealed class RecoOptions
{
    public const string SectionName = "Reco";

    /// <summary>Where Reco is; resolved by service discovery (<c>services:reco:http:0</c>).</summary>
    public Uri Address { get; set; } = new("http://reco");

    /// <summary>The gRPC deadline of one recommendation call.</summary>
    public TimeSpan Deadline { get; set; } = TimeSpan.FromSeconds(3);
}

public sealed record RecommendedArticle(long ArticleId, ArticleTrace Trace);

public sealed record Recommendation(long PreviousTimestamp, string Exposure, IReadOnlyList<RecommendedArticle> Articles);

/// <summary>Reco did not answer in time or failed: the caller may serve something less personal.</summary>
public sealed class RecoUnavailableException(StatusCode statusCode, Exception inner)
    : Exception($"Reco call failed with {statusCode}.", inner)
{
    public StatusCode StatusCode { get; } = statusCode;
}

/// <summary>
/// Asks Reco which articles a user sees, with a deadline. A request Reco calls invalid is a 400;
/// any other failure is a <see cref="RecoUnavailableException"/>.
/// </summary>
public sealed partial class RecoClient(
    UserRecommend.UserRecommendClient client,
    IOptions<RecoOptions> options,
    ILogger<RecoClient> logger)
{
    public async Task<Recommendation> RecommendAsync(string userId, int channelId, int articleNum, long timestamp, CancellationToken cancellationToken)
    {
        var request = new UserRequest { UserId = userId, ChannelId = channelId, ArticleNum = articleNum, TimeStamp = timestamp };
        try
        {
            var response = await client.user_recommendAsync(request,
                deadline: DateTime.UtcNow + options.Value.Deadline, cancellationToken: cancellationToken);
            return new Recommendation(
                response.TimeStamp,
                response.Exposure,
                response.Recommends.Select(a => new RecommendedArticle(a.ArticleId,
                    new ArticleTrace(a.Track?.Click ?? "", a.Track?.Collect ?? "", a.Track?.Share ?? "", a.Track?.Read ?? ""))).ToList());
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
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reco call failed with {StatusCode}")]
    private partial void LogRecoFailed(StatusCode statusCode, Exception exception);
}
