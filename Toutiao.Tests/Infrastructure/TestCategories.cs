namespace Toutiao.Tests.Infrastructure;

/// <summary>
/// <c>[Trait("Category", TestCategories.Unit)]</c>: needs no server, no process and no port, and runs in
/// milliseconds. <c>./toutiao test unit</c> runs these alone; <c>./toutiao test</c> runs them first.
/// </summary>
public static class TestCategories
{
    public const string Unit = "Unit";

    /// <summary><c>./toutiao soak</c>: ten minutes of traffic with faults injected; never part of <c>./toutiao test</c>.</summary>
    public const string Soak = "Soak";

    /// <summary><c>./toutiao scale</c>: memory with 50,000 and with 500,000 articles; never part of <c>./toutiao test</c>.</summary>
    public const string Scale = "Scale";
}
