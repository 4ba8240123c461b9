using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;

namespace Toutiao.Reco.Ranking;

/// <summary>
/// Fits the click model: ML.NET's L-BFGS logistic regression over <see cref="ClickFeatures"/>, on one
/// thread (the other core serves pages). The AUC is measured on a time split: a model fitted on
/// the older examples scores the newest <c>heldOutShare</c>, which it never saw; the served model
/// is then fitted on all of them.
/// </summary>
public static class ClickModelTrainer
{
    public static ClickModel Train(IReadOnlyList<TrainingExample> examples, long version, double heldOutShare = 0.2, int seed = 1)
    {
        var ordered = examples.OrderBy(e => e.AtMs).ToList();
        var ml = new MLContext(seed);
        var split = (int)(ordered.Count * (1 - heldOutShare));
        var auc = double.NaN;
        var older = ordered.Take(split).ToList();
        var newer = ordered.Skip(split).ToList();
        if (HasBothLabels(older) && HasBothLabels(newer))
        {
            var held = Fit(ml, older);
            var predictions = held.Transform(ml.Data.LoadFromEnumerable(Rows(newer)));
            auc = ml.BinaryClassification.Evaluate(predictions).AreaUnderRocCurve;
        }

        var model = Fit(ml, ordered).Model.SubModel;
        return new ClickModel(version, ClickFeatures.Names, [.. model.Weights], model.Bias, auc, ordered.Count, ordered.Count(e => e.Clicked));
    }

    /// <summary>Whether a fit can learn anything: at least one click and one example without.</summary>
    public static bool HasBothLabels(IReadOnlyCollection<TrainingExample> examples) => examples.Any(e => e.Clicked) && examples.Any(e => !e.Clicked);

    private static BinaryPredictionTransformer<CalibratedModelParametersBase<LinearBinaryModelParameters, PlattCalibrator>> Fit(MLContext ml, IEnumerable<TrainingExample> examples)
        => ml.BinaryClassification.Trainers.LbfgsLogisticRegression(new LbfgsLogisticRegressionBinaryTrainer.Options
        {
            NumberOfThreads = 1,
            L2Regularization = 0.01f,
        }).Fit(ml.Data.LoadFromEnumerable(Rows(examples)));

    private static IEnumerable<Row> Rows(IEnumerable<TrainingExample> examples) => examples.Select(e => new Row { Features = e.Features, Label = e.Clicked });

    private sealed class Row
    {
        [VectorType(ClickFeatures.Count)]
        public float[] Features { get; set; } = [];

        public bool Label { get; set; }
    }
}
