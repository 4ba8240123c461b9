extern alias reco;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Toutiao.Contracts.Feed;
using Toutiao.Tests.Infrastructure;
using ArticleKeyword = Toutiao.Contracts.Articles.ArticleKeyword;
using Experiments = reco::Toutiao.Reco.Recommend.Experiments;
using ProfileSignal = reco::Toutiao.Reco.Profiles.ProfileSignal;
using ProfileSignals = reco::Toutiao.Reco.Profiles.ProfileSignals;
using ReaderProfileStore = reco::Toutiao.Reco.Profiles.ReaderProfileStore;
using RecommendationOptions = reco::Toutiao.Reco.Recommend.RecommendationOptions;

namespace Toutiao.Tests.Reco;

/// <summary>
/// Readers' profiles: what they click and read weighs their channels, decayed, bounded and
/// expiring; their next page of 推荐 follows it within seconds.
/// </summary>
[Collection(ToutiaoCollection.Name)]
public class ReaderProfileTests(ToutiaoFixture fixture)
{
    private readonly ReaderActions actions = new(fixture);

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private ReaderProfileStore Profiles => fixture.Reco.Services.GetRequiredService<ReaderProfileStore>();

    private RecommendationOptions Settings => fixture.Reco.Services.GetRequiredService<IOptions<RecommendationOptions>>().Value;

    [Fact]
    public async Task Signals_add_up_decay_with_time_and_the_strongest_channels_are_kept_for_a_while()
    {
        var reader = $"profile-{Guid.NewGuid():N}";
        var halfLife = (long)Settings.ProfileHalfLife.TotalMilliseconds;
        var now = Api.Now();

        await Profiles.ApplyAsync([new ProfileSignal(reader, 3, 4, now - halfLife), new ProfileSignal(reader, 5, 1, now), new ProfileSignal(reader, 5, 1, now)], now);
        var profile = await Profiles.GetAsync(reader, CancellationToken.None);
        // A signal one half-life old counts half.
        Assert.Equal(2, profile.ChannelWeights[3], 3);
        Assert.Equal(2, profile.ChannelWeights[5], 3);

        // Later, everything stored decays before the new signals are added.
        await Profiles.ApplyAsync([new ProfileSignal(reader, 5, 1, now + halfLife)], now + halfLife);
        profile = await Profiles.GetAsync(reader, CancellationToken.None);
        Assert.Equal(1, profile.ChannelWeights[3], 3);
        Assert.Equal(2, profile.ChannelWeights[5], 3);

        // A dislike can take a channel out; only the strongest channels are kept.
        await Profiles.ApplyAsync([new ProfileSignal(reader, 3, -5, now + halfLife), .. Enumerable.Range(100, Settings.ProfileChannelsKept + 2).Select(c => new ProfileSignal(reader, c, c, now + halfLife))], now + halfLife);
        profile = await Profiles.GetAsync(reader, CancellationToken.None);
        Assert.Equal(Enumerable.Range(102, Settings.ProfileChannelsKept), profile.ChannelWeights.Keys.Order());

        var ttl = await fixture.Redis.GetDatabase().KeyTimeToLiveAsync(ReaderProfileStore.Key(reader));
        Assert.InRange(ttl!.Value, Settings.HistoryRetention - TimeSpan.FromMinutes(1), Settings.HistoryRetention);
        // An anonymous reader's profile lives in the cache server, and shorter.
        var anonymous = "anony:profile-" + Guid.NewGuid().ToString("N");
        await Profiles.ApplyAsync([new ProfileSignal(anonymous, 3, 1, now)], now);
        Assert.InRange((await fixture.Cache.GetDatabase().KeyTimeToLiveAsync(ReaderProfileStore.Key(anonymous)))!.Value,
            Settings.AnonymousHistoryRetention - TimeSpan.FromMinutes(1), Settings.AnonymousHistoryRetention);
        Assert.True((await Profiles.GetAsync($"profile-{Guid.NewGuid():N}", CancellationToken.None)).IsEmpty);
    }

    [Fact]
    public async Task Keywords_are_weighed_by_their_share_of_the_article_a_follow_weighs_only_its_author_and_an_unfollow_drops_them()
    {
        var reader = $"profile-{Guid.NewGuid():N}";
        var now = Api.Now();
        ArticleKeyword[] keywords = [new("索引", 0.75), new("事务", 0.25)];

        await Profiles.ApplyAsync([new ProfileSignal(reader, 7, 2, now, AuthorId: 5, Keywords: keywords), new ProfileSignal(reader, 0, ProfileSignals.Follow, now, AuthorId: 9)], now);
        var profile = await Profiles.GetAsync(reader, CancellationToken.None);
        Assert.Equal(1.5, profile.KeywordWeights["索引"], 3);
        Assert.Equal(0.5, profile.KeywordWeights["事务"], 3);
        Assert.Equal(ProfileSignals.Follow, profile.AuthorWeights[9], 3);
        Assert.Equal([7], profile.ChannelWeights.Keys);

        await Profiles.ApplyAsync([new ProfileSignal(reader, 0, ProfileSignals.Unfollow, now, AuthorId: 9),
            .. Enumerable.Range(0, Settings.ProfileKeywordsKept + 5).Select(i => new ProfileSignal(reader, 7, 1, now, Keywords: [new($"词{i}", 1)]))], now);
        profile = await Profiles.GetAsync(reader, CancellationToken.None);
        Assert.False(profile.AuthorWeights.ContainsKey(9));
        Assert.Equal(Settings.ProfileKeywordsKept, profile.KeywordWeights.Count);
        Assert.Contains("索引", profile.KeywordWeights.Keys);
    }

    [Fact]
    public async Task Authors_are_weighed_like_channels_and_only_the_strongest_are_kept()
    {
        var reader = $"profile-{Guid.NewGuid():N}";
        var now = Api.Now();

        await Profiles.ApplyAsync([new ProfileSignal(reader, 3, 2, now, AuthorId: 77), new ProfileSignal(reader, 4, 1, now, AuthorId: 77), new ProfileSignal(reader, 4, 1, now)], now);
        var profile = await Profiles.GetAsync(reader, CancellationToken.None);
        Assert.Equal(3, profile.AuthorWeights[77], 3);
        Assert.Single(profile.AuthorWeights);
        Assert.Equal(2, profile.ChannelWeights[4], 3);

        await Profiles.ApplyAsync([.. Enumerable.Range(1000, Settings.ProfileAuthorsKept + 3).Select(a => new ProfileSignal(reader, 5, a, now, AuthorId: a))], now);
        profile = await Profiles.GetAsync(reader, CancellationToken.None);
        Assert.Equal(Enumerable.Range(1003, Settings.ProfileAuthorsKept).Select(a => (long)a), profile.AuthorWeights.Keys.Order());
    }

    [Fact]
    public async Task A_reader_who_clicks_one_channel_gets_mostly_that_channel_in_the_next_page_of_recommended_within_5_s()
    {
        const int channel = 6;
        var reader = ReaderActions.ReaderIn(Experiments.Profile);
        var before = await actions.ChannelsOfAsync(await actions.PageAsync(RecommendedChannel.Id, reader));
        Assert.True(before.Count(c => c == channel) < before.Count / 2, $"before any click the page was already {channel}'s: {string.Join(',', before)}");

        var page = await actions.PageAsync(channel, reader);
        var reported = Stopwatch.StartNew();
        await actions.ReportAsync(reader, page, _ => true);
        var after = await actions.ChannelsOfAsync(await actions.PageAsync(RecommendedChannel.Id, reader));

        Assert.True(reported.Elapsed < TimeSpan.FromSeconds(5), $"took {reported.Elapsed}");
        Assert.True(after.Count(c => c == channel) * 2 >= after.Count, $"after clicks in channel {channel} the page of 推荐 had channels {string.Join(',', after)}");
    }

    [Fact]
    public async Task A_reader_who_clicks_only_two_channels_in_recommended_gets_them_on_half_of_the_page_after_8_pages()
    {
        var reader = ReaderActions.ReaderIn(Experiments.Profile);
        var first = await actions.PageAsync(RecommendedChannel.Id, reader);
        var firstChannels = await actions.ChannelsOfAsync(first);
        // The reader's tastes: the first two channels that page showed, whatever they are.
        var liked = firstChannels.Distinct().Take(2).ToHashSet();
        var page = first;
        for (var i = 0; i < 8; i++)
        {
            var channels = await actions.ChannelsOfAsync(page);
            await actions.ReportAsync(reader, page, index => liked.Contains(channels[index]));
            page = await actions.PageAsync(RecommendedChannel.Id, reader);
        }

        var last = await actions.ChannelsOfAsync(page);
        Assert.True(last.Count(liked.Contains) * 2 >= last.Count, $"liked {string.Join(',', liked)}; the 9th page had {string.Join(',', last)}");
    }

    [Fact]
    public async Task A_profiled_reader_keeps_getting_articles_from_outside_the_profile()
    {
        const int channel = 9;
        var reader = ReaderActions.ReaderIn(Experiments.Profile);
        // A reader who read the top of 推荐 first, then showed one interest.
        await actions.ReportAsync(reader, await actions.PageAsync(RecommendedChannel.Id, reader), _ => false);
        await actions.ReportAsync(reader, await actions.PageAsync(channel, reader), _ => true);

        var pages = new List<List<int>>();
        for (var i = 0; i < 6; i++)
        {
            pages.Add(await actions.ChannelsOfAsync(await actions.PageAsync(RecommendedChannel.Id, reader)));
        }

        var shown = string.Join(" | ", pages.Select(p => string.Join(',', p)));
        Assert.All(pages, page => Assert.True(page.Count(c => c == channel) * 2 >= page.Count, shown));
        // The explored share (0.15: 1 or 2 of 10) is not spent on what the reader was served before
        // the profile; an explored article may happen to be of the reader's channel (1 in 25).
        var outside = pages.Sum(page => page.Count(c => c != channel));
        Assert.True(outside * 100 >= 12 * pages.Sum(page => page.Count), $"{outside} articles from outside channel {channel}: {shown}");
        Assert.All(pages, page => Assert.True(page.Count(c => c != channel) >= 1, shown));
    }

    [Fact]
    public async Task A_damaged_profile_gives_the_page_without_it()
    {
        var reader = ReaderActions.ReaderIn(Experiments.Profile);
        var key = ReaderProfileStore.Key("anony:" + reader["Anony ".Length..]);
        await fixture.Cache.GetDatabase().HashSetAsync(key, [new("at", "yesterday"), new("seven", "1"), new("3", "lots"), new("4", "-2")]);
        using var counted = new MeasurementSignal("Toutiao.Reco", "toutiao.reco.profile.unusable", new("reason", "damaged"), 1, fixture.Reco.Services);

        var page = await actions.PageAsync(RecommendedChannel.Id, reader);
        await counted.Reached.WaitAsync(Patience);

        Assert.Equal(10, page.ArticleIds().Count);
        // The next signal keeps what is usable and drops the rest.
        var id = "anony:" + reader["Anony ".Length..];
        await Profiles.ApplyAsync([new ProfileSignal(id, 5, 1, Api.Now())], Api.Now());
        Assert.Equal([5], (await Profiles.GetAsync(id, CancellationToken.None)).ChannelWeights.Keys);
        Assert.DoesNotContain(await fixture.Cache.GetDatabase().HashKeysAsync(key), k => k == "seven");
    }

    [Fact]
    public async Task A_reader_in_a_control_bucket_gets_the_hot_new_blend_whatever_they_click_and_both_arms_are_measured()
    {
        const int channel = 6;
        var reader = ReaderActions.ReaderIn(Experiments.HotNew);
        using var exposed = new MeasurementSignal("Toutiao.Reco", "toutiao.reco.exposures", new("algorithm", Experiments.HotNew), 20, fixture.Reco.Services);
        using var clicked = new MeasurementSignal("Toutiao.Reco", "toutiao.reco.feedback", new("algorithm", Experiments.HotNew), 20, fixture.Reco.Services);

        await actions.ReportAsync(reader, await actions.PageAsync(channel, reader), _ => true);
        var after = await actions.ChannelsOfAsync(await actions.PageAsync(RecommendedChannel.Id, reader));

        Assert.True(after.Count(c => c == channel) * 2 < after.Count, $"a control reader's page of 推荐 followed the clicks: {string.Join(',', after)}");
        await exposed.Reached.WaitAsync(Patience);
        await clicked.Reached.WaitAsync(Patience);
    }
}

/// <summary>The same tests with Web and Reco on a Redis Cluster.</summary>
[Collection(ClusterCollection.Name)]
public sealed class ReaderProfileOnClusterTests(ClusterToutiaoFixture fixture) : ReaderProfileTests(fixture);
