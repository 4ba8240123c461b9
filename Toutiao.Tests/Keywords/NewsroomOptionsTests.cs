using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Toutiao.Tests.Infrastructure;
using Toutiao.Web.Newsroom;

namespace Toutiao.Tests.Keywords;

/// <summary><c>Demo:PublishInterval</c>: off unless set, 30 s in Development, and a wrong value stops the start with its name.</summary>
[Trait("Category", TestCategories.Unit)]
public class NewsroomOptionsTests
{
    [Fact]
    public void The_newsroom_is_off_by_default_and_publishes_every_30_s_in_development()
    {
        Assert.False(Options(new Dictionary<string, string?>()).Enabled);

        var development = new ConfigurationBuilder().AddJsonFile(Path.Combine(HeadlessChromium.RepositoryRoot(), "Toutiao.Web", "appsettings.Development.json"), optional: false).Build();
        Assert.Equal(TimeSpan.FromSeconds(30), development.GetSection(NewsroomOptions.SectionName).Get<NewsroomOptions>()!.PublishInterval);
    }

    [Theory]
    [InlineData("-00:00:01")]
    [InlineData("00:00:00.5")]
    public void A_negative_or_sub_second_interval_is_refused_by_name(string interval)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Options(new Dictionary<string, string?> { ["Demo:PublishInterval"] = interval }));
        Assert.Contains("Demo:PublishInterval", error.Message);
    }

    private static NewsroomOptions Options(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddNewsroom();
        using var host = builder.Build();
        return host.Services.GetRequiredService<IOptions<NewsroomOptions>>().Value;
    }
}
