extern alias reco;

using Microsoft.Extensions.DependencyInjection;
using Toutiao.Tests.Infrastructure;
using BehaviorEffects = reco::Toutiao.Reco.Behaviors.BehaviorEffects;

namespace Toutiao.Tests.Behaviors;

/// <summary>
/// The applied-events guard (<c>news_behavior_applied</c>) forgets by age whatever the rate: more
/// old ids than one bounded delete takes (an hour at 200 reports a second is 720,000) all go in
/// one cleanup, and the ids still within the retention stay.
/// </summary>
[Collection(ToutiaoCollection.Name)]
public sealed class AppliedGuardTests(ToutiaoFixture fixture)
{
    [Fact]
    public async Task A_cleanup_forgets_every_id_older_than_the_retention_and_keeps_the_rest()
    {
        var prefix = $"guard-{Guid.NewGuid():N}"[..14];
        await using (var insert = fixture.MySql.CreateCommand($"""
            INSERT INTO news_behavior_applied (event_id, applied_at) SELECT CONCAT('{prefix}-old-', seq), NOW() - INTERVAL 8 DAY FROM seq_1_to_25000;
            INSERT INTO news_behavior_applied (event_id, applied_at) SELECT CONCAT('{prefix}-new-', seq), NOW() - INTERVAL 6 DAY FROM seq_1_to_10;
            """))
        {
            await insert.ExecuteNonQueryAsync();
        }

        var forgotten = await fixture.Reco.Services.GetRequiredService<BehaviorEffects>().ForgetAppliedAsync(TimeSpan.FromDays(7), CancellationToken.None);

        Assert.True(forgotten >= 25_000, $"{forgotten} forgotten");
        Assert.Equal(0L, await CountAsync($"{prefix}-old-%"));
        Assert.Equal(10L, await CountAsync($"{prefix}-new-%"));
    }

    private async Task<long> CountAsync(string like)
    {
        await using var count = fixture.MySql.CreateCommand("SELECT COUNT(*) FROM news_behavior_applied WHERE event_id LIKE @like");
        count.Parameters.Add(new MySqlConnector.MySqlParameter("@like", like));
        return Convert.ToInt64(await count.ExecuteScalarAsync());
    }
}
