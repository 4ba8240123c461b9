extern alias reco;
using LowPriorityWork = reco::Toutiao.Reco.Ranking.LowPriorityWork;

namespace Toutiao.Tests.Reco;

/// <summary>The click model's training runs on a thread of its own at the lowest priority, and its result or failure comes back.</summary>
[Trait("Category", "Unit")]
public class LowPriorityWorkTests
{
    [Fact]
    public async Task The_work_runs_off_the_thread_pool_at_nice_19_and_the_process_keeps_its_priority()
    {
        var (niceInside, pooled) = await LowPriorityWork.RunAsync(() => (Nice("/proc/thread-self/stat"), Thread.CurrentThread.IsThreadPoolThread));

        Assert.Equal(19, niceInside);
        Assert.False(pooled);
        Assert.Equal(Nice("/proc/self/stat"), Nice($"/proc/thread-self/stat"));
        Assert.NotEqual(19, Nice("/proc/thread-self/stat"));
    }

    [Fact]
    public async Task A_failure_comes_back_to_the_caller()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => LowPriorityWork.RunAsync<int>(() => throw new InvalidOperationException("no examples")));
        Assert.Equal("no examples", error.Message);
    }

    /// <summary>Field 19 of a stat file: the nice value (fields counted after the command's closing parenthesis).</summary>
    private static int Nice(string statFile)
        => int.Parse(File.ReadAllText(statFile).Split(')')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[16], System.Globalization.CultureInfo.InvariantCulture);
}
