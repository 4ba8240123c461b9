using System.Text;
using Toutiao.Tests.Infrastructure;

namespace Toutiao.Tests.Soak;

/// <summary>What a long run reports: to the test's output as it comes, and to <c>TestResults/&lt;name&gt;/&lt;name&gt;.md</c> at the end.</summary>
public sealed class RunReport(Xunit.Abstractions.ITestOutputHelper output, string name)
{
    private readonly List<string> _lines = [];

    public void Note(string line)
    {
        _lines.Add(line);
        output.WriteLine(line);
    }

    public async Task WriteAsync()
    {
        var directory = Path.Combine(HeadlessChromium.RepositoryRoot(), "TestResults", name);
        Directory.CreateDirectory(directory);
        await File.WriteAllTextAsync(Path.Combine(directory, name + ".md"), string.Join('\n', _lines) + "\n", Encoding.UTF8);
    }
}
