extern alias reco;

using StackExchange.Redis;
using Toutiao.Tests.Infrastructure;
using BehaviorStreamTrim = reco::Toutiao.Reco.Behaviors.BehaviorStreamTrim;

namespace Toutiao.Tests.Behaviors;

/// <summary>
/// The behaviour stream is trimmed by its consumer group's position: past the newest entries kept,
/// only what the group has acknowledged goes; an entry delivered but not acknowledged, or not yet
/// delivered, stays whatever the length. On a scratch stream of the real state Redis (one key: a
/// Redis Cluster takes it too).
/// </summary>
[Collection(ToutiaoCollection.Name)]
public class BehaviorStreamTrimTests(ToutiaoFixture fixture)
{
    private const string Group = "trim-test";

    [Fact]
    public async Task Only_acknowledged_entries_past_the_newest_kept_are_trimmed()
    {
        var db = fixture.Redis.GetDatabase();
        RedisKey stream = $"test:{{{Guid.NewGuid():N}}}:events";
        try
        {
            var ids = new List<RedisValue>();
            for (var i = 0; i < 50; i++)
            {
                ids.Add(await db.StreamAddAsync(stream, "n", i));
            }

            // No group yet: nothing was applied, nothing goes.
            Assert.Equal(0, await BehaviorStreamTrim.TrimAppliedAsync(db, stream, Group, keep: 5, maxRemoved: 1000));
            await db.StreamCreateConsumerGroupAsync(stream, Group, StreamPosition.Beginning);

            // 30 delivered, the first 20 of them acknowledged: those 20 may go, the rest stay.
            var delivered = await db.StreamReadGroupAsync(stream, Group, "consumer", StreamPosition.NewMessages, 30);
            Assert.Equal(30, delivered.Length);
            await db.StreamAcknowledgeAsync(stream, Group, [.. ids.Take(20)]);
            Assert.Equal(20, await BehaviorStreamTrim.TrimAppliedAsync(db, stream, Group, keep: 5, maxRemoved: 1000));
            Assert.Equal(30, await db.StreamLengthAsync(stream));
            Assert.Equal(ids[20], (await db.StreamRangeAsync(stream, count: 1)).Single().Id);

            // Everything applied: down to the newest kept, at most maxRemoved a call.
            var rest = await db.StreamReadGroupAsync(stream, Group, "consumer", StreamPosition.NewMessages, 100);
            Assert.Equal(20, rest.Length);
            await db.StreamAcknowledgeAsync(stream, Group, [.. ids.Skip(20)]);
            Assert.Equal(10, await BehaviorStreamTrim.TrimAppliedAsync(db, stream, Group, keep: 5, maxRemoved: 10));
            Assert.Equal(15, await BehaviorStreamTrim.TrimAppliedAsync(db, stream, Group, keep: 5, maxRemoved: 1000));
            Assert.Equal(ids.Skip(45), (await db.StreamRangeAsync(stream)).Select(e => e.Id));
            Assert.Equal(0, await BehaviorStreamTrim.TrimAppliedAsync(db, stream, Group, keep: 5, maxRemoved: 1000));
        }
        finally
        {
            await db.KeyDeleteAsync(stream);
        }
    }
}

[Collection(ClusterCollection.Name)]
public sealed class BehaviorStreamTrimOnClusterTests(ClusterToutiaoFixture fixture) : BehaviorStreamTrimTests(fixture);
