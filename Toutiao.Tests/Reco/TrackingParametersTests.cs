extern alias reco;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Toutiao.Contracts.Tracking;
using Toutiao.Tests.Infrastructure;
using TrackingParameters = reco::Toutiao.Reco.Recommend.TrackingParameters;

namespace Toutiao.Tests.Reco;

/// <summary>
/// The tracking strings are written by hand for speed; they must be what System.Text.Json writes,
/// closed by a signature that breaks when any character before it changes.
/// </summary>
[Trait("Category", TestCategories.Unit)]
public sealed class TrackingParametersTests
{
    private const string Key = "tracking-parameters-tests-key-0123456789";
    private static readonly DateTimeOffset IssuedAt = DateTimeOffset.FromUnixTimeMilliseconds(1_764_460_800_123);
    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly TrackingSignature Signature = SignatureWith(Key);
    private static readonly TrackingParameters Tracking = new(Signature, new FixedClock(IssuedAt));

    [Theory]
    [InlineData("")]
    [InlineData("42")]
    [InlineData("anony:t0123456789abcdef_-")]
    [InlineData("quote\" backslash\\ slash/ 中文 <>&' emoji 😀")]
    public void Tracks_and_exposure_are_the_json_the_serializer_writes_and_signed(string userId)
    {
        var track = Tracking.Tracks(userId, [7, 123456789012], "Algo-2").Last();
        Assert.Equal(Expected("click", userId, "123456789012"), Signature.Verify(track.Click));
        Assert.Equal(Expected("collect", userId, "123456789012"), Signature.Verify(track.Collect));
        Assert.Equal(Expected("share", userId, "123456789012"), Signature.Verify(track.Share));
        Assert.Equal(Expected("read", userId, "123456789012"), Signature.Verify(track.Read));
        Assert.Equal(Expected("exposure", userId, "[7, 123456789012]"), Signature.Verify(Tracking.Exposure(userId, [7, 123456789012], "Algo-2")));

        var click = JsonDocument.Parse(track.Click).RootElement;
        Assert.Equal(userId, click.GetProperty("userId").GetString());
        Assert.Equal(43, click.GetProperty("sig").GetString()!.Length);
    }

    [Fact]
    public void A_changed_character_another_key_or_a_missing_signature_does_not_verify()
    {
        var click = Tracking.Tracks("42", [7], "Algo-1").Single().Click;
        Assert.NotNull(Signature.Verify(click));
        Assert.Null(Signature.Verify(click.Replace("\"articleId\":\"7\"", "\"articleId\":\"8\"")));
        Assert.Null(Signature.Verify(click.Replace("\"Algo-1\"", "\"Algo-2\"")));
        Assert.Null(Signature.Verify(click.Replace("\"action\":\"click\",", "")));
        Assert.Null(SignatureWith(Key + "!").Verify(click));
        Assert.Null(Signature.Verify(click[..click.IndexOf(",\"sig\"", StringComparison.Ordinal)] + "}"));
        Assert.Null(Signature.Verify(click[..^3] + "\"}"));
        Assert.Null(Signature.Verify(""));
    }

    private static TrackingSignature SignatureWith(string key) => new(Options.Create(new TrackingOptions { SigningKey = key }));

    private static string Expected(string action, string userId, string articleId)
        => JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["action"] = action,
            ["userId"] = userId,
            ["articleId"] = articleId,
            ["algorithmCombine"] = "Algo-2",
            ["issuedAt"] = IssuedAt.ToUnixTimeMilliseconds(),
        }, Relaxed);

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
