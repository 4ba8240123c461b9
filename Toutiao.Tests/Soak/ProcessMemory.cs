using System.Globalization;

namespace Toutiao.Tests.Soak;

/// <summary>A process' memory as Linux counts it (<c>/proc/&lt;pid&gt;/status</c>), in MB.</summary>
public static class ProcessMemory
{
    /// <summary>Resident: the heap and what of mapped files (an on-disk index) is paged in.</summary>
    public static double ResidentMegabytes(int pid) => Field(pid, "VmRSS:");

    /// <summary>Resident and anonymous: the heap and stacks, without mapped files.</summary>
    public static double AnonymousMegabytes(int pid) => Field(pid, "RssAnon:");

    private static double Field(int pid, string name)
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
    }
}
