using System.Text.Json;
using System.Text.Json.Serialization;

namespace Toutiao.Reco.Ranking;

/// <summary>
/// A trained click model: logistic regression over <see cref="ClickFeatures"/>, so serving is a dot
/// product, not an ML.NET pipeline per request. <see cref="Version"/> is when it was trained (Unix
/// ms); <see cref="Auc"/> its area under the ROC curve on the newest examples, held out of the fit
/// it was measured on (a time split).
/// </summary>
public sealed record ClickModel(
    long Version,
    string[] Features,
    float[] Weights,
    float Bias,
    double Auc,
    int Examples,
    int Clicks)
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    /// <summary>The predicted probability of a click.</summary>
    public double Score(ReadOnlySpan<float> features)
    {
        double z = Bias;
        for (var i = 0; i < Weights.Length; i++)
        {
            z += Weights[i] * features[i];
        }

        return 1 / (1 + Math.Exp(-z));
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>The model in <paramref name="json"/>, or null when it is not one this code can serve (damaged, or trained on other features).</summary>
    public static ClickModel? Parse(string json)
    {
        try
        {
            var model = JsonSerializer.Deserialize<ClickModel>(json, Json);
            return model is { Features: not null, Weights: not null }
                   && model.Features.SequenceEqual(ClickFeatures.Names) && model.Weights.Length == ClickFeatures.Count
                   && model.Weights.All(float.IsFinite) && float.IsFinite(model.Bias)
                ? model
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
