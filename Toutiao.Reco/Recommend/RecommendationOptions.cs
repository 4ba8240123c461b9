namespace Toutiao.Reco.Recommend;

/// <summary>Tuning of recall, ranking and history; section <c>Recommendation</c>.</summary>
public sealed class RecommendationOptions
{
    public const string SectionName = "Recommendation";

    /// <summary>How many of the top-ranked candidates a fresh page offers the history script first (at least five times the page); four times as many while too few are unserved.</summary>
    public int RecallWindow { get; set; } = 50;

    /// <summary>
    /// Each channel's recall sets (channel 0's too) hold its newest and its hottest this many
    /// articles, not every article ever: Reco's memory and the sets in Redis stay bounded as the
    /// catalogue grows. An article outside both is still read, searched and reported on; a
    /// channel's history pages end at the oldest article of its window.
    /// </summary>
    public int CandidatesPerChannel { get; set; } = 50_000;

    /// <summary>
    /// At most this many articles approved since the build are added to the sets one by one
    /// (every <see cref="PublishedCheckInterval"/>); more (an import, a long outage) is a rebuild.
    /// </summary>
    public int PublishedAddedAtOnce { get; set; } = 1_000;

    /// <summary>How often the recall sets are rebuilt from MySQL.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often, between two builds, the articles published since are added to the recall sets (the newsroom's reach the new source this soon).</summary>
    public TimeSpan PublishedCheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long the known channel ids are trusted before a request reloads them.</summary>
    public TimeSpan ChannelRefreshInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How many pages of a user's history in one channel are kept (the oldest go first).</summary>
    public int HistoryPagesKept { get; set; } = 100;

    /// <summary>How long a user's history and served set live after the last fresh page.</summary>
    public TimeSpan HistoryRetention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// The same for an anonymous reader (<c>anony:</c> ids): any client can invent such ids, and
    /// each one costs Redis memory until it expires.
    /// </summary>
    public TimeSpan AnonymousHistoryRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How many served article ids are remembered per reader and channel (the oldest go first).</summary>
    public int ServedKept { get; set; } = 2000;

    /// <summary>Share of hotness in the rank of bucket Algo-1; the rest is recency.</summary>
    public double HotWeightAlgo1 { get; set; } = 0.6;

    /// <summary>Share of hotness in the rank of bucket Algo-2; the rest is recency.</summary>
    public double HotWeightAlgo2 { get; set; } = 0.3;

    /// <summary>Age, relative to the newest candidate, at which the recency score halves.</summary>
    public double RecencyHalfLifeHours { get; set; } = 24;

    /// <summary>
    /// Half-life of a read's or click's boost to an article's hotness between two builds of the
    /// recall sets: the boost of an event at time t is weight · 2^((t − build time) / half-life).
    /// </summary>
    public double HotBoostHalfLifeHours { get; set; } = 24;

    /// <summary>
    /// Algorithm per A/B bucket (the first hex digit of md5(user_id), <c>0</c>..<c>f</c>):
    /// <c>profile</c> (every bucket not named), <c>hot-new</c> or <c>random</c>; see <see cref="Experiments"/>.
    /// </summary>
    public Dictionary<string, string> Buckets { get; set; } = [];

    /// <summary>Share of a profiled reader's 推荐 page taken from the whole ranking, outside their channels, so the profile cannot close them in (above 0: the whole ranking is also what fills a page when the profile's channels are read).</summary>
    public double ExploreShare { get; set; } = 0.15;

    /// <summary>
    /// A profile channel's share of the page goes with its weight to this power: 1 is in proportion;
    /// 2 (the default) gives a reader's strong interests more than in proportion, so the channels
    /// of a few stray clicks do not take whole places from them.
    /// </summary>
    public double ChannelShareExponent { get; set; } = 2;

    /// <summary>Time in which a reader's interest in a channel halves without new signals.</summary>
    public TimeSpan ProfileHalfLife { get; set; } = TimeSpan.FromDays(3);

    /// <summary>How many channels a reader's profile keeps (the strongest).</summary>
    public int ProfileChannelsKept { get; set; } = 10;

    /// <summary>How many authors a reader's profile keeps (the strongest).</summary>
    public int ProfileAuthorsKept { get; set; } = 20;

    /// <summary>How many keywords a reader's profile keeps (the strongest).</summary>
    public int ProfileKeywordsKept { get; set; } = 30;

    /// <summary>Share of a profiled reader's 推荐 page taken from the articles whose keywords match the profile's (content recall), when there are any.</summary>
    public double ContentShare { get; set; } = 0.1;

    /// <summary>How many of the profile's strongest keywords content recall looks up.</summary>
    public int ContentKeywordsLookedUp { get; set; } = 10;

    /// <summary>Share of a profiled reader's 推荐 page taken from the authors they follow or read most, when there are any.</summary>
    public double AuthorShare { get; set; } = 0.05;

    /// <summary>Share of a profiled reader's 推荐 page taken from the articles read together with their recent reads (item-to-item), when there are any.</summary>
    public double CoReadShare { get; set; } = 0.15;

    /// <summary>How many of a reader's latest clicked or read articles are remembered for item-to-item recall.</summary>
    public int RecentReadsKept { get; set; } = 10;

    /// <summary>How many co-read neighbours an article keeps (the strongest).</summary>
    public int NeighboursKept { get; set; } = 50;

    /// <summary>How long an article's neighbours live after it was last read together with another.</summary>
    public TimeSpan NeighbourRetention { get; set; } = TimeSpan.FromDays(14);

    /// <summary>How long the candidates in memory may lag the hot lists after readers' actions raised them.</summary>
    public TimeSpan HotReloadInterval { get; set; } = TimeSpan.FromSeconds(30);
}
