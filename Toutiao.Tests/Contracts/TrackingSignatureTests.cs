using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Toutiao.Contracts.Tracking;
using Toutiao.Tests.Infrastructure;

namespace Toutiao.Tests.Contracts;

[Trait("Category", TestCategories.Unit)]
public sealed class TrackingSignatureTests
{
    private const string Key = "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk";
    private const string Fields = "\"userId\":\"42\",\"articleId\":\"7\",\"algorithmCombine\":\"Algo-1\",\"issuedAt\":1764000000000";
    private const string Unsigned = "{\"action\":\"read\"," + Fields;

    private static TrackingSignature With(string key) => new(Options.Create(new TrackingOptions { SigningKey = key }));

    private readonly TrackingSignature _signature = With(Key);

    [Fact]
    public void A_signed_string_verifies_to_its_object_without_the_signature()
    {
        var signed = _signature.Sign("read", Fields);
        Assert.StartsWith(Unsigned + ",\"sig\":\"", signed);
        Assert.Equal(Unsigned + "}", _signature.Verify(signed));
    }

    [Fact]
    public void The_actions_of_one_article_share_a_signature_over_every_field_after_the_action()
    {
        var signed = _signature.Sign(["click", "collect", "share", "read"], Fields);
        Assert.Single(signed.Select(s => s[s.LastIndexOf(",\"sig\"", StringComparison.Ordinal)..]).Distinct());
        Assert.Equal(["click", "collect", "share", "read"], signed.Select(s => _signature.Verify(s)![..^1]).Select(o => o[11..o.IndexOf('"', 11)]));
        Assert.Equal(Unsigned + "}", _signature.Verify(signed[0].Replace("\"click\"", "\"read\"", StringComparison.Ordinal)));
    }

    [Fact]
    public void A_changed_field_another_key_or_a_missing_or_malformed_signature_does_not_verify()
    {
        var signed = _signature.Sign("read", Fields);
        Assert.Null(_signature.Verify(signed.Replace("\"articleId\":\"7\"", "\"articleId\":\"8\"", StringComparison.Ordinal)));
        Assert.Null(_signature.Verify(signed.Replace("\"userId\":\"42\"", "\"userId\":\"43\"", StringComparison.Ordinal)));
        Assert.Null(With(new string('x', 48)).Verify(signed));
        Assert.Null(_signature.Verify(Unsigned + "}"));
        Assert.Null(_signature.Verify(Unsigned + ",\"sig\":\"not base64!\"}"));
        Assert.Null(_signature.Verify(Unsigned + ",\"sig\":\"AAAA\"}"));
        // The action must come first: fields moved in front of it are not what was signed.
        Assert.Null(_signature.Verify("{" + Fields + ",\"action\":\"read\"" + signed[signed.LastIndexOf(",\"sig\"", StringComparison.Ordinal)..]));
        Assert.Null(_signature.Verify("{\"action\":\"read\"" + signed[signed.LastIndexOf(",\"sig\"", StringComparison.Ordinal)..]));
    }

    [Theory]
    [InlineData("x\" ,\"action\":1 ,\"p\":\"q")]
    [InlineData("\\ud800")]
    [InlineData("Read")]
    [InlineData("")]
    [InlineData("readreadreadreadr")]
    public void The_unsigned_action_must_be_a_plain_word(string action)
    {
        var signed = _signature.Sign("read", Fields);
        var rewritten = "{\"action\":\"" + action + signed["{\"action\":\"read".Length..];
        Assert.Null(_signature.Verify(rewritten));
    }

    [Fact]
    public void A_string_issued_before_the_action_was_left_out_still_verifies_until_it_expires()
    {
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(Key), Encoding.UTF8.GetBytes(Unsigned));
        var legacy = Unsigned + ",\"sig\":\"" + System.Buffers.Text.Base64Url.EncodeToString(mac) + "\"}";
        Assert.Equal(Unsigned + "}", _signature.Verify(legacy));
        Assert.Null(_signature.Verify(legacy.Replace("\"read\"", "\"click\"", StringComparison.Ordinal)));
    }

    [Fact]
    public void Long_strings_are_signed_and_verified_too()
    {
        var longer = Fields + ",\"note\":\"" + new string('文', 400) + "\"";
        Assert.Equal("{\"action\":\"read\"," + longer + "}", _signature.Verify(_signature.Sign("read", longer)));
    }
}
