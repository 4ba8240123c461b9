using System.Security.Cryptography;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Toutiao.Tests.Deploy;
using Toutiao.Tests.Infrastructure;

namespace Toutiao.Tests.Secrets;

/// <summary>Which signing keys may be used outside Development: the rules, one by one.</summary>
[Trait("Category", TestCategories.Unit)]
public class SecretKeyRulesTests
{
    [Theory]
    [InlineData(null, "is not set")]
    [InlineData("", "is not set")]
    [InlineData("<jwt-hs256-key-at-least-32-characters>", "placeholder")]
    [InlineData("real-looking-prefix-then-<tracking-key>-and-more-text-0123456789", "placeholder")]
    [InlineData("development-only-secret-change-me-in-production-0123456789", "Development key")]
    [InlineData("jjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjj", "bits of entropy")]
    [InlineData("abababababababababababababababababababababababababababababababababab", "bits of entropy")]
    // 32 random hex characters are 16 bytes: half what HS256 needs.
    [InlineData("9f86d081884c7d659a2feaa0c55ad015", "bits of entropy")]
    public void A_key_anyone_could_know_or_guess_is_refused_with_its_name_and_how_to_make_one(string? value, string reason)
    {
        var refusal = SecretSettings.KeyRefusal("Jwt:Secret", value, "development-only-secret-change-me-in-production-0123456789");

        Assert.NotNull(refusal);
        Assert.StartsWith("Jwt:Secret ", refusal);
        Assert.Contains(reason, refusal);
        Assert.Contains("openssl rand", refusal);
    }

    [Fact]
    public void Random_keys_of_32_bytes_or_more_pass_in_the_forms_the_docs_give()
    {
        for (var i = 0; i < 200; i++)
        {
            Assert.Null(SecretSettings.KeyRefusal("Jwt:Secret", Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)), null));
            Assert.Null(SecretSettings.KeyRefusal("Jwt:Secret", Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)), null));
            Assert.Null(SecretSettings.KeyRefusal("Jwt:Secret", Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant(), null));
            // The AppHost's generated parameter: 48 letters and digits.
            Assert.Null(SecretSettings.KeyRefusal("Tracking:SigningKey", RandomNumberGenerator.GetString("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 48), null));
        }
    }

    [Fact]
    public void Development_takes_the_repository_keys_and_other_environments_refuse_placeholder_connection_strings()
    {
        var development = Builder(Environments.Development, new() { ["Jwt:Secret"] = "short" });
        Assert.Null(SecretSettings.Refusal(development, "Jwt:Secret"));

        var production = Builder(Environments.Production, new()
        {
            ["Jwt:Secret"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)),
            ["ConnectionStrings:toutiao"] = "Server=<mariadb-primary>;Port=3306;User ID=toutiao;Password=x",
        });
        Assert.Equal("ConnectionStrings:toutiao still holds a placeholder (<...>); set the real connection string.", SecretSettings.Refusal(production, "Jwt:Secret"));
    }

    private static HostApplicationBuilder Builder(string environment, Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = environment, ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddInMemoryCollection(settings);
        return builder;
    }
}

/// <summary>
/// The built services started outside Development as a pod starts them, with the deployed
/// Secrets' placeholders or the repository's Development keys: each exits with code 1 and one
/// sentence naming the setting, before it listens.
/// </summary>
public sealed class SecretSettingsTests
{
    [Theory]
    [InlineData("Toutiao.Web", "web", "Jwt:Secret still holds a placeholder")]
    [InlineData("Toutiao.Reco", "reco", "Tracking:SigningKey still holds a placeholder")]
    public async Task A_service_given_the_deployed_placeholders_exits_1_naming_the_setting_without_serving(string project, string deployment, string sentence)
    {
        var deploy = DeployedObjects.Load();
        var container = deploy.Deployment(deployment)!.Spec.Template.Spec.Containers.Single(c => c.Name == deployment);
        var environment = deploy.EnvironmentOf(container).Where(e => e.Value.Value is not null).ToDictionary(e => e.Key, e => e.Value.Value!);
        environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        environment["HTTP_PORTS"] = Ports.Free().ToString(System.Globalization.CultureInfo.InvariantCulture);

        await using var service = ServiceProcess.Start(project, environment);

        Assert.Equal(1, await service.ExitCodeAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains(sentence, service.Output);
        Assert.DoesNotContain("Now listening", service.Output);
        Assert.DoesNotContain("Exception", service.Output);
    }

    [Fact]
    public async Task Production_web_with_the_repository_s_development_jwt_key_exits_1()
    {
        var development = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(Path.GetDirectoryName(DeployedObjects.Directory)!, "..", "Toutiao.Web", "appsettings.Development.json"))
            .Build();
        var environment = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["HTTP_PORTS"] = Ports.Free().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Jwt__Secret"] = development["Jwt:Secret"]!,
            ["Tracking__SigningKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)),
        };

        await using var service = ServiceProcess.Start("Toutiao.Web", environment);

        Assert.Equal(1, await service.ExitCodeAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("Jwt:Secret is the Development key published in the repository", service.Output);
        Assert.DoesNotContain("Now listening", service.Output);
    }
}
