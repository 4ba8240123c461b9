using System.Runtime.InteropServices;

namespace Toutiao.Reco.Ranking;

/// <summary>
/// CPU work of seconds (the click model's join and fit) on a thread of its own at the lowest
/// scheduling priority: on Linux that thread alone gets nice 19, so on a small machine the pages
/// served meanwhile get the cores first and the training takes what is left. Where the priority
/// cannot be lowered, a plain thread (still off the thread pool that serves requests).
/// </summary>
public static class LowPriorityWork
{
    private const int PrioProcess = 0;
    private const int LowestPriority = 19;

    public static Task<T> RunAsync<T>(Func<T> work, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var done = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var finished = new ManualResetEvent(false);
        T result = default!;
        Exception? failure = null;
        // A thread inherits its creator's priority: so the low-priority thread never queues to the
        // thread pool (that may start a worker from it, at nice 19 for good). It only sets an event;
        // the pool's wait thread, at normal priority, completes the task.
        RegisteredWaitHandle? registration = null;
        registration = ThreadPool.RegisterWaitForSingleObject(finished, (_, _) =>
        {
            registration?.Unregister(null);
            finished.Dispose();
            if (failure is null)
            {
                done.SetResult(result);
            }
            else
            {
                done.SetException(failure);
            }
        }, null, Timeout.Infinite, executeOnlyOnce: true);
        var thread = new Thread(() =>
        {
            LowerThisThread();
            try
            {
                result = work();
            }
            catch (Exception e)
            {
                failure = e;
            }
            finally
            {
                finished.Set();
            }
        })
        { IsBackground = true, Name = "low-priority work" };
        thread.Start();
        return done.Task;
    }

    /// <summary>Lowers the calling thread's priority; false where that is not possible here.</summary>
    public static bool LowerThisThread()
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        try
        {
            // On Linux a thread id names the thread alone for setpriority: the process keeps its priority.
            return SetPriority(PrioProcess, GetThreadId(), LowestPriority) == 0;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    // DllImport, not LibraryImport: two int calls need no marshalling, and the project no unsafe code.
    [DllImport("libc", EntryPoint = "setpriority")]
    private static extern int SetPriority(int which, int who, int priority);

    [DllImport("libc", EntryPoint = "gettid")]
    private static extern int GetThreadId();
}
