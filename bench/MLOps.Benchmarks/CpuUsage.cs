using System.Runtime.InteropServices;

namespace MLOps.Benchmarks;

/// <summary>
/// CPU time (user + system) of this process and of its waited-for descendants, from
/// getrusage(2). On a shared machine wall time measures the neighbours as much as the code;
/// CPU time measures the work.
/// </summary>
public static class CpuUsage
{
    private const int Self = 0;
    private const int Children = -1;

    public readonly record struct Sample(double SelfMs, double ChildrenMs)
    {
        public double TotalMs => SelfMs + ChildrenMs;

        public static Sample operator -(Sample a, Sample b) => new(a.SelfMs - b.SelfMs, a.ChildrenMs - b.ChildrenMs);
    }

    public static Sample Now() => new(Read(Self), Read(Children));

    private static double Read(int who)
    {
        if (!OperatingSystem.IsLinux())
        {
            return double.NaN;
        }

        var usage = new long[18];
        if (GetRusage(who, usage) != 0)
        {
            return double.NaN;
        }

        // struct rusage begins with two timevals: ru_utime and ru_stime (seconds, microseconds).
        return (usage[0] + usage[2]) * 1000.0 + (usage[1] + usage[3]) / 1000.0;
    }

    [DllImport("libc", EntryPoint = "getrusage", SetLastError = true)]
#pragma warning disable SYSLIB1054 // a plain array is blittable; no generated marshalling needed
    private static extern int GetRusage(int who, [Out] long[] usage);
#pragma warning restore SYSLIB1054
}
