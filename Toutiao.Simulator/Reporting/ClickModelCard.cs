using System.Net;
using System.Text.Json;

namespace Toutiao.Simulator.Reporting;

/// <summary>
/// What Reco says of the click model it served at the end of a run (its Development endpoint
/// <c>/dev/click-model</c>): the version, the AUC Reco measured on the newest examples held out of
/// the fit (a time split of this run's exposures), and the weights. Read once after the readers
/// are done, for the report: the readers themselves act only through Web.
/// </summary>
public sealed record ClickModelCard(long Version, double Auc, int Examples, int Clicks, IReadOnlyList<(string Feature, double Weight)> Weights)
{
    public const string Path = "/dev/click-model";

    /// <summary>The card, or null when Reco serves no model (none trained yet: too few examples).</summary>
    public static async Task<ClickModelCard?> FetchAsync(Uri reco, CancellationToken cancellationToken)
    {
        // Reco's port speaks HTTP/2 only (h2c, no TLS to negotiate it).
        using var client = new HttpClient
        {
            BaseAddress = reco,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = TimeSpan.FromSeconds(10),
        };
        using var response = await client.GetAsync(Path, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        return Parse(await response.Content.ReadAsStringAsync(cancellationToken));
    }

    public static ClickModelCard Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        var auc = root.GetProperty("auc") is { ValueKind: JsonValueKind.Number } number ? number.GetDouble() : double.NaN;
        var features = root.GetProperty("features").EnumerateArray().Select(f => f.GetString() ?? "?").ToList();
        var weights = root.GetProperty("weights").EnumerateArray().Select(w => w.GetDouble()).ToList();
        return new ClickModelCard(root.GetProperty("version").GetInt64(), auc, root.GetProperty("examples").GetInt32(), root.GetProperty("clicks").GetInt32(),
            features.Zip(weights).ToList());
    }
}
