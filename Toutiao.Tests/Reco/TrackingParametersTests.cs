extern alias reco;

using System.Text.Encodings.Web;
using System.Text.Json;
using TrackingParameters = reco::Toutiao.Reco.Recommend.TrackingParameters;

namespace Toutiao.Tests.Reco;

/// <summary>The tracking strings are written by hand for speed; they must be what System.Text.Json writes.</summary>
public sealed class TrackingParametersTests
{
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    [Theory]
    [InlineData("")]
    [InlineData("42")]
    [InlineData("anony:t0123456789abcdef_-")]
    [InlineData("quote\" backslash\\ slash/ 中文 <>&' emoji 😀")]
    public void Tracks_and_exposure_are_the_json_the_serializer_writes(string userId)
    {
        var track = TrackingParameters.Tracks(userId, [7, 123456789012], "Algo-2").Last();
        Assert.Equal(Expected("click", userId, "123456789012"), track.Click);
        Assert.Equal(Expected("collect", userId, "123456789012"), track.Collect);
        Assert.Equal(Expected("share", userId, "123456789012"), track.Share);
        Assert.Equal(Expected("read", userId, "123456789012"), track.Read);
        Assert.Equal(Expected("exposure", userId, "[7, 123456789012]"), TrackingParameters.Exposure(userId, [7, 123456789012], "Algo-2"));
        Assert.Equal(userId, JsonDocument.Parse(track.Click).RootElement.GetProperty("userId").GetString());
    }

    private static string Expected(string action, string userId, string articleId)
        => JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["action"] = action,
            ["userId"] = userId,
            ["articleId"] = articleId,
            ["algorithmCombine"] = "Algo-2",
        }, Relaxed);
}
