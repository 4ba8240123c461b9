namespace Toutiao.Reco.Ranking;

/// <summary>The click model's training and serving; section <c>Ranking</c>.</summary>
public sealed class RankingOptions
{
    public const string SectionName = "Ranking";

    /// <summary>
    /// Where the periodic training runs: <see cref="TrainerPlacement.Here"/> in this process (one
    /// replica at a time, by a lock in Redis), or <see cref="TrainerPlacement.Elsewhere"/> in the
    /// trainer process (<c>Toutiao.Reco train</c>), as the AppHost runs it: this process only loads models.
    /// </summary>
    public TrainerPlacement Trainer { get; set; } = TrainerPlacement.Here;

    /// <summary>How often a new model is trained (by one replica: the others load it).</summary>
    public TimeSpan TrainInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How often each replica looks for a newer model (every replica serves the stored version within this).</summary>
    public TimeSpan ModelCheckInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long after an exposure a click, read, collect or share still counts for it.</summary>
    public TimeSpan LabelWindow { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The newest behaviour events read for one training (the exposure stream is read whole: Web bounds it).</summary>
    public int TrainingEvents { get; set; } = 1_000_000;

    /// <summary>Fewer examples than this (or no click among them) train no model: the pages stay in the profile's order.</summary>
    public int MinExamples { get; set; } = 500;
}

/// <summary>Where the click model's periodic training runs (<see cref="RankingOptions.Trainer"/>).</summary>
public enum TrainerPlacement
{
    Here,
    Elsewhere,
}
