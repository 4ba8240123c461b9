using StackExchange.Redis;

namespace Toutiao.Reco.Ranking;

/// <summary>
/// The served click model: one Redis key, <c>reco:model:ctr</c> (JSON, its version inside), written
/// whole by the replica that trained it, so a reader of the key sees one version or the next,
/// never a mix. Each replica holds the model in memory and swaps the reference when the stored
/// version changes (looked for every <see cref="RankingOptions.ModelCheckInterval"/> in the
/// background): pages never wait for it, and every replica serves the same version within that.
/// A key that is not a model this code can serve is logged, counted and ignored: pages go on
/// without a model (the profile's order).
/// </summary>
public sealed partial class ClickModelStore(IConnectionMultiplexer redis, RecoTelemetry telemetry, ILogger<ClickModelStore> logger)
{
    public const string Key = "reco:model:ctr";

    private volatile ClickModel? _current;
    private string? _unusable;

    /// <summary>The model pages are ranked with, or null before one was trained (or while the stored one is unusable).</summary>
    public ClickModel? Current => _current;

    /// <summary>Loads the stored model if it is not the one in memory.</summary>
    public async Task RefreshAsync()
    {
        var stored = (string?)await redis.GetDatabase().StringGetAsync(Key);
        if (stored is null)
        {
            _current = null;
            return;
        }

        if (stored == _unusable)
        {
            return;
        }

        if (ClickModel.Parse(stored) is { } model)
        {
            if (model.Version == _current?.Version)
            {
                return;
            }

            _current = model;
            _unusable = null;
            LogLoaded(model.Version, model.Auc, model.Examples);
            return;
        }

        // Once per damaged value, not every check.
        _unusable = stored;
        _current = null;
        telemetry.RecordUnusableModel();
        LogUnusable(stored.Length);
    }

    /// <summary>Stores <paramref name="model"/> as the one every replica serves, and serves it here at once.</summary>
    public async Task SaveAsync(ClickModel model)
    {
        await redis.GetDatabase().StringSetAsync(Key, model.ToJson());
        _current = model;
        _unusable = null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving click model {Version} (AUC {Auc:F3} on held-out newer examples, fitted on {Examples} examples)")]
    private partial void LogLoaded(long version, double auc, int examples);

    [LoggerMessage(Level = LogLevel.Error, Message = "The stored click model ({Length} characters) is not a model this Reco can serve; ranking pages without a model until a new one is trained")]
    private partial void LogUnusable(int length);
}
