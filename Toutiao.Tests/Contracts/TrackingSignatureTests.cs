using Microsoft.Extensions.Options;
using Toutiao.Contracts.Tracking;
using Toutiao.Tests.Infrastructure;

namespace Toutiao.Tests.Contracts;

[Trait("Category", TestCategories.Unit)]
public sealed class TrackingSignatureTests
{
    private const string Unsigned = """{"action":"read","userId":"42","articleId":"7","algorithmCombine":"Algo-1","issuedAt":1764000000000""";

    private static TrackingSignature With(string key) => new(Options.Create(new TrackingOptions { SigningKey = key }));

    private readonly TrackingSignature _signature = With(new string('k', 48));

    [Fact]
    public void A_signed_string_verifies_to_its_object_without_the_signature()
    {
        var signed = _signature.Sign(Unsigned);
        Assert.StartsWith(Unsigned + ",\"sig\":\"", signed);
        Assert.Equal(Unsigned + "}", _signature.Verify(signed));
    }

    [Fact]
    public void A_changed_field_another_key_or_a_missing_or_malformed_signature_does_not_verify()
    {
        var signed = _signature.Sign(Unsigned);
        Assert.Null(_signature.Verify(signed.Replace("\"articleId\":\"7\"", "\"articleId\":\"8\"", StringComparison.Ordinal)));
        Assert.Null(With(new string('x', 48)).Verify(signed));
        Assert.Null(_signature.Verify(Unsigned + "}"));
        Assert.Null(_signature.Verify(Unsigned + ",\"sig\":\"not base64!\"}"));
        Assert.Null(_signature.Verify(Unsigned + ",\"sig\":\"AAAA\"}"));
    }

    [Fact]
    public void Long_strings_are_signed_and_verified_too()
    {
        var longer = Unsigned + ",\"note\":\"" + new string('文', 400) + "\"";
        Assert.Equal(longer + "}", _signature.Verify(_signature.Sign(longer)));
    }
}
