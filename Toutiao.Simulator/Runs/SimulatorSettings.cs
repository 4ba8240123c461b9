using System.Globalization;
using System.Reflection;

namespace Toutiao.Simulator.Runs;

/// <summary>
/// The simulator's command line and environment: any <see cref="SimulationOptions"/> property as
/// <c>--Readers 60</c> (or <c>--readers=60</c>) or <c>Simulation__Readers=60</c>, the command line
/// winning; <c>--Buckets 0-9=profile,a-c=hot-new</c>; <c>--Output</c> the report's directory; Web's
/// address from <c>--Web</c> or Aspire's service discovery (<c>services__web__http__0</c>); Reco's,
/// for the click model's card in the report only, from <c>--Reco</c> or <c>services__reco__http__0</c>.
/// </summary>
public sealed record SimulatorSettings(SimulationOptions Options, Uri Web, string Output, Uri? Reco = null)
{
    public const string EnvironmentPrefix = "Simulation__";

    public static SimulatorSettings Read(IReadOnlyList<string> args, IReadOnlyDictionary<string, string?> environment)
    {
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in environment)
        {
            if (key.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase) && value is not null)
            {
                values[key[EnvironmentPrefix.Length..]] = value;
            }
        }

        for (var i = 0; i < args.Count; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new FormatException($"'{args[i]}' is not a setting: --Name value");
            }

            var name = args[i][2..];
            var equals = name.IndexOf('=');
            if (equals >= 0)
            {
                values[name[..equals]] = name[(equals + 1)..];
            }
            else if (i + 1 < args.Count)
            {
                values[name] = args[++i];
            }
            else
            {
                throw new FormatException($"--{name} needs a value");
            }
        }

        var web = values.Remove("Web", out var address) ? address
            : environment.GetValueOrDefault("services__web__http__0") ?? "http://localhost:5080";
        var output = values.Remove("Output", out var directory) ? directory : "docs/evaluation";
        var reco = values.Remove("Reco", out var recoAddress) ? recoAddress : environment.GetValueOrDefault("services__reco__http__0");
        return new SimulatorSettings(Bind(values), new Uri(web), output, reco is { Length: > 0 } ? new Uri(reco) : null);
    }

    private static SimulationOptions Bind(Dictionary<string, string> values)
    {
        var options = new SimulationOptions();
        foreach (var (name, text) in values)
        {
            var property = typeof(SimulationOptions).GetProperty(name, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase)
                           ?? throw new FormatException($"Unknown setting '{name}'.");
            object value = property.PropertyType switch
            {
                var t when t == typeof(int) => int.Parse(text, CultureInfo.InvariantCulture),
                var t when t == typeof(double) => double.Parse(text, CultureInfo.InvariantCulture),
                var t when t == typeof(string) => text,
                var t when t == typeof(BucketMap) => BucketMap.Parse(text),
                var t => throw new FormatException($"Setting '{name}' of type {t.Name} cannot be given."),
            };
            // Our own instance, not yet shared: its init-only properties may still be set.
            property.SetValue(options, value);
        }

        return options;
    }
}
