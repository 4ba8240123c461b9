using StackExchange.Redis;
using Toutiao.Contracts.Articles;
using Toutiao.Tests.Infrastructure;

namespace Toutiao.Tests.Articles;

[Trait("Category", TestCategories.Unit)]
public sealed class ArticleCountersTests
{
    [Fact]
    public void Consecutive_ids_share_a_bucket_of_64_and_its_range_holds_them()
    {
        Assert.Equal(ArticleCounters.Bucket(4_288), ArticleCounters.Bucket(4_351));
        Assert.NotEqual(ArticleCounters.Bucket(4_351), ArticleCounters.Bucket(4_352));
        Assert.Equal((4_288L, 4_351L), ArticleCounters.Range(ArticleCounters.Bucket(4_300)));
        Assert.Equal("count:art:67", ArticleCounters.KeyOf(4_300));
    }

    [Fact]
    public void A_field_holds_the_four_counts_in_their_order_and_reads_back()
    {
        var value = ArticleCounters.Format(comments: 3, likes: 12, collects: 0, reads: 4_567);

        Assert.Equal("3 12 0 4567", value);
        Assert.Equal([3L, 12, 0, 4_567], ArticleCounters.Parse(value));
        Assert.Equal(12, ArticleCounters.Parse(value)[(int)ArticleCounter.Likes]);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("1 2 3")]
    [InlineData("1 2 3 4 5")]
    [InlineData("1 two 3 4")]
    public void An_article_without_a_field_or_with_a_broken_one_counts_zero(string? value)
        => Assert.Equal(new long[4], ArticleCounters.Parse(value is null ? RedisValue.Null : (RedisValue)value));

    [Fact]
    public void A_count_taken_below_zero_reads_back_as_it_is()
        => Assert.Equal([0L, -1, 0, 0], ArticleCounters.Parse("0 -1 0 0"));
}
