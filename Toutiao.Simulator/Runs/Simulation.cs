using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Toutiao.Simulator.Catalogue;
using Toutiao.Simulator.Evaluation;
using Toutiao.Simulator.Readers;
using Toutiao.Simulator.WebApi;

namespace Toutiao.Simulator.Runs;

/// <summary>
/// The offline evaluation: readers with hidden tastes use 推荐 through Web's HTTP API for some
/// rounds, reporting what they click and read as the app does; then each gets
/// <see cref="SimulationOptions.HeldOutPages"/> more fresh pages whose clicks are held out and
/// scored against their taste. Only this class and the readers know
/// the tastes; Web and Reco see nothing but the reported behaviour.
/// </summary>
public static class Simulation
{
    /// <summary>推荐, the channel the readers read.</summary>
    public const int Recommended = 0;

    public static async Task<SimulationReport> RunAsync(HttpClient web, SimulationOptions options, Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        log ??= _ => { };
        var started = DateTimeOffset.UtcNow;
        var elapsed = Stopwatch.StartNew();
        var client = new WebClient(web);
        var runTag = options.RunTag is { Length: > 0 } tag ? tag : Guid.NewGuid().ToString("N")[..8];

        var catalogue = await LearnCatalogueAsync(client, options, cancellationToken);
        var catalogueElapsed = elapsed.Elapsed;
        if (catalogue.Count == 0 || catalogue.Channels.Count < options.LikedChannels)
        {
            throw new InvalidOperationException($"No catalogue to simulate readers on ({catalogue.Channels.Count} channels, {catalogue.Count} articles): {string.Join(" | ", client.ErrorSamples)}");
        }

        log($"catalogue: {catalogue.Channels.Count} channels, {catalogue.Count} articles in {catalogueElapsed.TotalSeconds:0.0} s");

        var arms = options.Buckets.Arms;
        var tallies = arms.ToDictionary(arm => arm, arm => new ArmTally(arm, options.Rounds));
        var readers = CreateReaders(catalogue, options, runTag);
        foreach (var reader in readers)
        {
            tallies[reader.Arm].AddReader();
        }

        var run = new Run(client, catalogue, options, tallies);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = cancellationToken };
        for (var round = 0; round < options.Rounds; round++)
        {
            await Parallel.ForEachAsync(readers, parallel, (reader, token) => new ValueTask(run.SessionAsync(reader, round, token)));
            log($"round {round + 1}/{options.Rounds}: " + string.Join(", ",
                arms.Select(arm => string.Create(CultureInfo.InvariantCulture, $"{arm} CTR {tallies[arm].Result(catalogue.Count).CtrPerRound[round]:0.000}"))));
        }

        await Parallel.ForEachAsync(readers, parallel, async (reader, token) =>
        {
            for (var page = 0; page < options.HeldOutPages; page++)
            {
                await run.EvaluateAsync(reader, token);
            }
        });

        return new SimulationReport
        {
            Options = options,
            RunTag = runTag,
            Started = started,
            Elapsed = elapsed.Elapsed,
            Channels = catalogue.Channels.Count,
            CatalogueSize = catalogue.Count,
            CatalogueElapsed = catalogueElapsed,
            Arms = arms.Select(arm => tallies[arm].Result(catalogue.Count)).ToList(),
            Errors = client.Errors,
            ErrorSamples = client.ErrorSamples,
            UnknownArticles = run.UnknownArticles,
        };
    }

    /// <summary>The catalogue as any client learns it: the channels, then each channel's article list, page by page.</summary>
    public static async Task<ArticleCatalogue> LearnCatalogueAsync(WebClient client, SimulationOptions options, CancellationToken cancellationToken)
    {
        var channels = await client.ChannelsAsync(cancellationToken) ?? [];
        var articles = new ConcurrentBag<CatalogueArticle>();
        await Parallel.ForEachAsync(channels, new ParallelOptions { MaxDegreeOfParallelism = options.Concurrency, CancellationToken = cancellationToken }, async (channel, token) =>
        {
            for (var page = 1; options.CataloguePagesPerChannel <= 0 || page <= options.CataloguePagesPerChannel; page++)
            {
                if (await client.ChannelArticlesAsync(channel, page, options.CataloguePerPage, token) is not { } list)
                {
                    return;
                }

                foreach (var article in list.Articles)
                {
                    articles.Add(article);
                }

                if (list.Articles.Count < options.CataloguePerPage || page * options.CataloguePerPage >= list.Total)
                {
                    return;
                }
            }
        });
        return new ArticleCatalogue(channels, articles);
    }

    /// <summary>
    /// <see cref="SimulationOptions.Readers"/> readers, as evenly over the arms as they go: ids
    /// <c>sim-&lt;run&gt;-&lt;n&gt;</c> are tried in turn and each kept if its bucket's arm still
    /// needs readers. Each reader's random source is seeded from <see cref="SimulationOptions.Seed"/> in that order.
    /// </summary>
    public static IReadOnlyList<SimulatedReader> CreateReaders(ArticleCatalogue catalogue, SimulationOptions options, string runTag)
    {
        var arms = options.Buckets.Arms;
        var wanted = arms.Select((arm, i) => (arm, count: options.Readers / arms.Count + (i < options.Readers % arms.Count ? 1 : 0)))
                         .ToDictionary(a => a.arm, a => a.count);
        var seeds = new Random(options.Seed);
        var readers = new List<SimulatedReader>();
        for (var n = 0; readers.Count < options.Readers; n++)
        {
            var id = $"sim-{runTag}-{n}";
            var arm = options.Buckets.ArmOfReader(id);
            if (wanted[arm] == 0)
            {
                continue;
            }

            wanted[arm]--;
            var random = new Random(seeds.Next());
            readers.Add(new SimulatedReader(id, arm, ReaderTastes.Draw(random, catalogue.Channels, catalogue.Authors, options, catalogue.TopicWords), random, options));
        }

        return readers;
    }

    /// <summary>One run's shared state: the client, the catalogue and the arms' tallies.</summary>
    private sealed class Run(WebClient client, ArticleCatalogue catalogue, SimulationOptions options, IReadOnlyDictionary<string, ArmTally> tallies)
    {
        private int _unknown;

        public int UnknownArticles => Volatile.Read(ref _unknown);

        /// <summary>
        /// One session: a fresh page, then further pages (fresh, or sometimes the page before) until
        /// the reader stops; each page's clicks, reads and collects are reported in one batch.
        /// </summary>
        public async Task SessionAsync(SimulatedReader reader, int round, CancellationToken cancellationToken)
        {
            var tally = tallies[reader.Arm];
            reader.StartSession();
            var history = false;
            for (var pages = 1; ; pages++)
            {
                var timestamp = history ? reader.PreTimestamp : reader.NextFreshTimestamp(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                if (await PageAsync(reader, timestamp, cancellationToken) is not { } page)
                {
                    return;
                }

                var articles = Lookup(page.Items);
                var ids = page.Items.Select(i => i.ArticleId).ToList();
                var reactions = reader.Examine(articles, ids);
                tally.Shown(ids, Metrics.IntraListDiversity(Channels(articles)), history ? null : LikedAfterFirstPages(reader, articles));
                tally.Trained(round, ids.Count, reactions.Count, reactions.Count(r => r.Collected), history);

                if (reactions.Count > 0)
                {
                    var behaviors = reactions.SelectMany(r => Behaviors(page.Items[r.Position], r)).ToList();
                    if (!await client.ReportAsync(reader.Id, behaviors, cancellationToken))
                    {
                        tally.Error();
                    }
                }

                if (!reader.ContinuesSession(pages))
                {
                    return;
                }

                history = reader.PagesBack();
            }
        }

        /// <summary>The held-out page: a fresh page scored against the reader's taste, its clicks never reported.</summary>
        public async Task EvaluateAsync(SimulatedReader reader, CancellationToken cancellationToken)
        {
            var timestamp = reader.NextFreshTimestamp(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            if (await PageAsync(reader, timestamp, cancellationToken) is not { } page)
            {
                return;
            }

            var articles = Lookup(page.Items);
            var relevant = reader.WouldClick(articles);
            var tally = tallies[reader.Arm];
            tally.Evaluated(Metrics.Ndcg(relevant, options.K), Metrics.HitRate(relevant, options.K));
            tally.Shown(page.Items.Select(i => i.ArticleId).ToList(), Metrics.IntraListDiversity(Channels(articles)), LikedAfterFirstPages(reader, articles));
        }

        private async Task<FeedPage?> PageAsync(SimulatedReader reader, long timestamp, CancellationToken cancellationToken)
        {
            var page = await client.FeedAsync(reader.Id, Recommended, timestamp, cancellationToken);
            if (page is null)
            {
                tallies[reader.Arm].Error();
                return null;
            }

            if (page.Items.Count == 0)
            {
                tallies[reader.Arm].Empty();
                return null;
            }

            reader.PreTimestamp = page.PreTimestamp;
            return page;
        }

        private List<CatalogueArticle?> Lookup(IReadOnlyList<FeedItem> items)
        {
            var articles = items.Select(i => catalogue.Find(i.ArticleId)).ToList();
            var unknown = articles.Count(a => a is null);
            if (unknown > 0)
            {
                Interlocked.Add(ref _unknown, unknown);
            }

            return articles;
        }

        /// <summary>Liked-channel articles on a fresh page after the reader's first N; null before.</summary>
        private int? LikedAfterFirstPages(SimulatedReader reader, IReadOnlyList<CatalogueArticle?> articles)
            => reader.FreshPages > options.LikedShareAfterPages ? articles.Count(reader.Tastes.Likes) : null;

        /// <summary>Channels of a page; an unknown article counts as a channel of its own.</summary>
        private static List<int> Channels(IReadOnlyList<CatalogueArticle?> articles)
            => articles.Select((a, i) => a?.ChannelId ?? -1 - i).ToList();

        private static IEnumerable<Behavior> Behaviors(FeedItem item, PageReaction reaction)
        {
            yield return new Behavior(item.Click);
            yield return new Behavior(item.Read, reaction.ReadSeconds);
            if (reaction.Collected)
            {
                yield return new Behavior(item.Collect);
            }
        }
    }
}
