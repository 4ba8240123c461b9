using System.Globalization;
using System.Runtime.InteropServices;

namespace Toutiao.Reco.Ranking;

/// <summary>
/// The trainer's threads below every service: Linux's SCHED_IDLE policy (a thread that runs only
/// when nothing else wants the core, and that any other thread waking up preempts at once; nice 19
/// alone still lets it finish a slice first), and nice 19 besides. Linux keeps both per thread and
/// a new thread takes its creator's, so every thread there is when this runs (the runtime's among
/// them) is lowered and every later one inherits it.
/// </summary>
public static class TrainerPriority
{
    public const int Nice = 19;

    private const int PriorityOfProcess = 0; // PRIO_PROCESS: "who" is a thread id on Linux
    private const int SchedIdle = 5; // SCHED_IDLE

    /// <summary>Lowers every thread of this process; returns how many (0 where threads have no priority of their own).</summary>
    public static int Lowest()
    {
        if (!OperatingSystem.IsLinux())
        {
            return 0;
        }

        var lowered = 0;
        foreach (var task in Directory.EnumerateDirectories("/proc/self/task"))
        {
            var parameters = new SchedParam { Priority = 0 };
            if (int.TryParse(Path.GetFileName(task), NumberStyles.None, CultureInfo.InvariantCulture, out var thread)
                && SetScheduler(thread, SchedIdle, ref parameters) == 0
                && SetPriority(PriorityOfProcess, thread, Nice) == 0)
            {
                lowered++;
            }
        }

        return lowered;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct SchedParam
    {
        public int Priority;
    }

    [DllImport("libc", EntryPoint = "sched_setscheduler", SetLastError = true)]
    private static extern int SetScheduler(int pid, int policy, ref SchedParam parameters);

    [DllImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static extern int SetPriority(int which, int who, int priority);
}
