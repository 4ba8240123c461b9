using Toutiao.Tests.Infrastructure;
using Toutiao.Web.Search;

namespace Toutiao.Tests.Search;

/// <summary>A folder per process under the index root; a dead process' folder does not outlive the next start.</summary>
[Trait("Category", TestCategories.Unit)]
public sealed class SearchIndexFolderTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), $"toutiao-search-folder-{Guid.NewGuid():N}");

    [Fact]
    public void Claiming_removes_dead_processes_folders_keeps_living_ones_and_disposing_removes_its_own()
    {
        var machine = Environment.MachineName;
        // Above Linux' largest pid (4,194,304): never running. Pid 1 always is.
        var dead = Directory.CreateDirectory(Path.Combine(_root, $"{machine}-999999999")).FullName;
        var living = Directory.CreateDirectory(Path.Combine(_root, $"{machine}-1")).FullName;
        var otherMachine = Directory.CreateDirectory(Path.Combine(_root, "elsewhere-999999999")).FullName;

        using (var folder = SearchIndexFolder.Claim(_root))
        {
            Assert.Equal(Path.Combine(_root, $"{machine}-{Environment.ProcessId}"), folder.Path);
            Assert.True(Directory.Exists(folder.Path));
            Assert.False(Directory.Exists(dead));
            Assert.True(Directory.Exists(living));
            Assert.True(Directory.Exists(otherMachine));
        }

        Assert.False(Directory.Exists(Path.Combine(_root, $"{machine}-{Environment.ProcessId}")));
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);
}
