using Toutiao.Tests.Infrastructure;
using Toutiao.Web.Database;

namespace Toutiao.Tests.Database;

[Trait("Category", TestCategories.Unit)]
public sealed class DatabaseCommandArgumentsTests
{
    [Theory]
    [InlineData(new[] { "--demo-data", "--ConnectionStrings:toutiao=x" }, true)]
    [InlineData(new[] { "--ConnectionStrings:toutiao=x" }, false)]
    public void The_demo_flag_is_read_and_left_out_of_the_settings(string[] arguments, bool demoData)
    {
        var (demo, settings) = DatabaseCommand.Parse(arguments);
        Assert.Equal(demoData, demo);
        Assert.Equal(["--ConnectionStrings:toutiao=x"], settings);
    }
}
