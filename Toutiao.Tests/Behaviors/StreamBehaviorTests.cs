extern alias reco;
using StackExchange.Redis;
using Toutiao.Contracts.Behaviors;
using Toutiao.Tests.Infrastructure;
using StreamBehavior = reco::Toutiao.Reco.Behaviors.StreamBehavior;

namespace Toutiao.Tests.Behaviors;

/// <summary>How Reco reads an entry of the behaviour stream: the author of a follow, and none for the rest or for entries from before the field.</summary>
[Trait("Category", TestCategories.Unit)]
public sealed class StreamBehaviorTests
{
    [Theory]
    [InlineData("follow", "0", "42", 42)]
    [InlineData("click", "7", "", 0)]
    [InlineData("read", "7", null, 0)]
    public void The_author_is_read_when_there_is_one(string action, string article, string? author, long expected)
    {
        NameValueEntry[] fields =
        [
            new(BehaviorStream.Fields.Action, action),
            new(BehaviorStream.Fields.User, "5"),
            new(BehaviorStream.Fields.Article, article),
            new(BehaviorStream.Fields.ReportedAt, 1_700_000_000_000),
        ];
        var entry = new StreamEntry("1-0", author is null ? fields : [.. fields, new(BehaviorStream.Fields.Author, author)]);

        var behavior = StreamBehavior.TryRead(entry);

        Assert.NotNull(behavior);
        Assert.Equal((action, long.Parse(article, System.Globalization.CultureInfo.InvariantCulture), expected), (behavior.Action, behavior.ArticleId, behavior.AuthorId));
    }
}
