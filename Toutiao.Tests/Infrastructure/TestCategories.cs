namespace Toutiao.Tests.Infrastructure;

/// <summary>
/// <c>[Trait("Category", TestCategories.Unit)]</c>: needs no server, no process and no port, and runs in
/// milliseconds. <c>./toutiao test unit</c> runs these alone; <c>./toutiao test</c> runs them first.
/// </summary>
public static class TestCategories
{
    public const string Unit = "Unit";
}
