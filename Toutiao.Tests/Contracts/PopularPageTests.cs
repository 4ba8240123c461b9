using Toutiao.Contracts.Recall;
using Toutiao.Tests.Infrastructure;

namespace Toutiao.Tests.Contracts;

[Trait("Category", TestCategories.Unit)]
public sealed class PopularPageTests
{
    [Fact]
    public void Hottest_and_newest_are_taken_in_turn_without_repeats()
        => Assert.Equal([1, 9, 2, 3, 8], PopularPage.Interleave([1, 2, 3], [9, 1, 8, 2, 7], count: 5));

    [Fact]
    public void The_page_stops_at_its_count_and_at_the_end_of_both_lists()
    {
        Assert.Equal([1, 9], PopularPage.Interleave([1, 2, 3], [9, 8], count: 2));
        Assert.Equal([1, 9, 2, 3], PopularPage.Interleave([1, 2, 3], [9], count: 10));
        Assert.Empty(PopularPage.Interleave([], [], count: 10));
    }
}
