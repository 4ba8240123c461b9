using Toutiao.Contracts.Feed;
using Toutiao.Contracts.Readers;
using Toutiao.Contracts.Recall;
using Toutiao.Contracts.Storage;
using Toutiao.Tests.Infrastructure;

namespace Toutiao.Tests.Contracts;

/// <summary>The rules Web and Reco share, as both apply them.</summary>
[Trait("Category", TestCategories.Unit)]
public sealed class ContractRulesTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeMilliseconds(1_764_000_000_000);

    [Fact]
    public void A_timestamp_up_to_five_minutes_ahead_is_allowed_and_a_millisecond_more_is_not()
    {
        var limit = Now.AddMinutes(5).ToUnixTimeMilliseconds();
        Assert.False(FeedTimestamps.IsAheadOfClock(limit, Now));
        Assert.True(FeedTimestamps.IsAheadOfClock(limit + 1, Now));
        Assert.False(FeedTimestamps.IsAheadOfClock(1, Now));
        Assert.Equal("timestamp is more than 5 minutes ahead of the server clock.", FeedTimestamps.AheadOfClockMessage("timestamp"));
    }

    [Fact]
    public void Anonymous_readers_are_named_by_prefix_and_recognised_by_it()
    {
        var userId = AnonymousReaders.UserId("t0123");
        Assert.Equal("anony:t0123", userId);
        Assert.True(AnonymousReaders.IsAnonymous(userId));
        Assert.False(AnonymousReaders.IsAnonymous("42"));
        Assert.False(AnonymousReaders.IsAnonymous(""));
    }

    [Fact]
    public void Recall_keys_are_the_original_system_names()
    {
        Assert.Equal("ch:0:new", RecallKeys.New(RecommendedChannel.Id));
        Assert.Equal("ch:7:hot", RecallKeys.Hot(7));
    }

    [Fact]
    public void Storage_failures_are_the_dependency_s_and_a_command_error_is_ours()
    {
#pragma warning disable CS0618 // The constructors StackExchange.Redis itself uses for these replies.
        Assert.True(StorageFailures.IsRedisFailure(new StackExchange.Redis.RedisServerException("READONLY You can't write against a read only replica.")));
        Assert.True(StorageFailures.IsRedisFailure(new StackExchange.Redis.RedisConnectionException(StackExchange.Redis.ConnectionFailureType.UnableToConnect, "down")));
        Assert.True(StorageFailures.IsRedisFailure(new StackExchange.Redis.RedisTimeoutException("Timeout", StackExchange.Redis.CommandStatus.Sent)));
        Assert.False(StorageFailures.IsRedisFailure(new StackExchange.Redis.RedisCommandException("ERR wrong number of arguments")));
        Assert.False(StorageFailures.IsStorageFailure(new StackExchange.Redis.RedisCommandException("ERR wrong number of arguments")));
#pragma warning restore CS0618
        Assert.True(StorageFailures.IsStorageFailure(new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionRefused)));
        Assert.True(StorageFailures.IsStorageFailure(new TimeoutException()));
        Assert.False(StorageFailures.IsStorageFailure(new InvalidOperationException()));
    }
}
