namespace Toutiao.Simulator.Runs;

/// <summary>One arm's running counts while its readers run concurrently (every update under its lock).</summary>
internal sealed class ArmTally(string arm, int rounds)
{
    private readonly Lock _lock = new();
    private readonly HashSet<long> _distinct = [];
    private readonly int[] _shownPerRound = new int[rounds];
    private readonly int[] _clicksPerRound = new int[rounds];
    private int _readers, _pages, _historyPages, _shown, _clicks, _collects, _evaluated, _likedAfter, _afterArticles, _errors, _empty, _diversePages;
    private double _ndcg, _hits, _diversity;

    public void AddReader()
    {
        lock (_lock)
        {
            _readers++;
        }
    }

    /// <summary>Any page shown, training or held out: coverage, diversity and the liked share after N pages.</summary>
    public void Shown(IReadOnlyList<long> articles, double? diversity, int? liked)
    {
        lock (_lock)
        {
            _distinct.UnionWith(articles);
            if (diversity is { } d)
            {
                _diversity += d;
                _diversePages++;
            }

            if (liked is { } l)
            {
                _likedAfter += l;
                _afterArticles += articles.Count;
            }
        }
    }

    public void Trained(int round, int shown, int clicks, int collects, bool history)
    {
        lock (_lock)
        {
            _pages++;
            _historyPages += history ? 1 : 0;
            _shown += shown;
            _clicks += clicks;
            _collects += collects;
            _shownPerRound[round] += shown;
            _clicksPerRound[round] += clicks;
        }
    }

    public void Evaluated(double ndcg, double hit)
    {
        lock (_lock)
        {
            _evaluated++;
            _ndcg += ndcg;
            _hits += hit;
        }
    }

    public void Error()
    {
        lock (_lock)
        {
            _errors++;
        }
    }

    public void Empty()
    {
        lock (_lock)
        {
            _empty++;
        }
    }

    public ArmResult Result(int catalogueSize)
    {
        lock (_lock)
        {
            return new ArmResult
            {
                Arm = arm,
                Readers = _readers,
                Pages = _pages,
                HistoryPages = _historyPages,
                Shown = _shown,
                Clicks = _clicks,
                Collects = _collects,
                Ndcg = _evaluated == 0 ? 0 : _ndcg / _evaluated,
                HitRate = _evaluated == 0 ? 0 : _hits / _evaluated,
                Evaluated = _evaluated,
                Coverage = catalogueSize == 0 ? 0 : (double)_distinct.Count / catalogueSize,
                IntraListDiversity = _diversePages == 0 ? 0 : _diversity / _diversePages,
                LikedShareAfter = _afterArticles == 0 ? 0 : (double)_likedAfter / _afterArticles,
                LikedShareArticles = _afterArticles,
                Errors = _errors,
                EmptyPages = _empty,
                CtrPerRound = _shownPerRound.Select((shown, r) => shown == 0 ? double.NaN : (double)_clicksPerRound[r] / shown).ToList(),
            };
        }
    }
}
