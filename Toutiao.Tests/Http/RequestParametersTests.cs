using System.Text.Json;
using Toutiao.Tests.Infrastructure;
using Toutiao.Web.Articles;
using Toutiao.Web.Http;

namespace Toutiao.Tests.Http;

[Trait("Category", TestCategories.Unit)]
public sealed class RequestParametersTests
{
    [Theory]
    [InlineData(null, "channel_id is required.")]
    [InlineData(" ", "channel_id is required.")]
    [InlineData("1.5", "channel_id must be an integer.")]
    [InlineData("abc", "channel_id must be an integer.")]
    [InlineData("99999999999999999999", "channel_id must be an integer.")]
    public void Missing_or_non_numeric_values_are_a_400_naming_the_parameter(string? value, string message)
    {
        var error = Assert.Throws<ApiException>(() => RequestParameters.RequiredInt64(value, "channel_id", 0, 100));
        Assert.Equal((400, message), (error.StatusCode, error.Message));
    }

    [Fact]
    public void Values_are_parsed_within_their_range_and_outside_it_are_a_400()
    {
        Assert.Equal(7, RequestParameters.RequiredInt64(" 7 ", "channel_id", 0, 100));
        Assert.Equal(400, Assert.Throws<ApiException>(() => RequestParameters.RequiredInt64("101", "channel_id", 0, 100)).StatusCode);
        Assert.Equal(400, Assert.Throws<ApiException>(() => RequestParameters.RequiredInt64("-1", "channel_id", 0, 100)).StatusCode);
        Assert.Equal(5, RequestParameters.OptionalInt64(null, "per_page", 1, 50, fallback: 5));
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("1", true)]
    [InlineData("TRUE", true)]
    [InlineData("0", false)]
    public void Booleans_are_true_false_1_or_0(string? value, bool expected)
        => Assert.Equal(expected, RequestParameters.OptionalBoolean(value, "with_top", fallback: false));

    [Fact]
    public void A_boolean_of_another_word_is_a_400()
        => Assert.Equal("with_top must be true or false.", Assert.Throws<ApiException>(() => RequestParameters.OptionalBoolean("yes", "with_top", false)).Message);

    [Fact]
    public void Ids_in_a_body_may_be_numbers_or_strings_of_digits()
    {
        Assert.Equal(12, RequestParameters.RequiredInt64(JsonDocument.Parse("""{"target":12}""").RootElement, "target", 1, long.MaxValue));
        Assert.Equal(12, RequestParameters.RequiredInt64(JsonDocument.Parse("""{"target":"12"}""").RootElement, "target", 1, long.MaxValue));
        Assert.Equal("target is required.", Assert.Throws<ApiException>(() => RequestParameters.RequiredInt64(JsonDocument.Parse("""{"target":true}""").RootElement, "target", 1, long.MaxValue)).Message);
        Assert.Equal("target is required.", Assert.Throws<ApiException>(() => RequestParameters.RequiredInt64(JsonDocument.Parse("[]").RootElement, "target", 1, long.MaxValue)).Message);
    }

    [Fact]
    public void Article_cache_keys_are_the_original_names_and_a_profile_key_gives_back_its_owner()
    {
        Assert.Equal("art:7:info", ArticleCacheKeys.Info(7));
        Assert.Equal("user:42:profile", ArticleCacheKeys.Profile(42));
        Assert.Equal(42, ArticleCacheKeys.ProfileOwner(ArticleCacheKeys.Profile(42)));
        Assert.Equal("ch:3:art:top", ArticleCacheKeys.Top(3));
    }
}
