using System.Runtime.InteropServices;

namespace MLOps.Runtime.Execution;

/// <summary>
/// Starts a program as the leader of a new session (so it and everything it starts form one
/// process group that a signal ends together) with posix_spawn, and waits for it with waitpid.
/// <para>
/// Why not <see cref="System.Diagnostics.Process"/>: it cannot create a session (that took an
/// extra <c>setsid</c> program per step), and starting and reaping a child through it cost about a
/// millisecond of mlpc's CPU per step more than this (docs/performance.md). Children started here
/// are unknown to .NET, which therefore never reaps them: <see cref="WaitForExit"/> does.
/// </para>
/// </summary>
public static partial class SessionProcess
{
    // glibc's flag values (spawn.h); posix_spawn's SETSID is in glibc since 2.26 and in musl.
    private const short SetSignalDefault = 0x04;
    private const short SetSignalMask = 0x08;
    private const short SetSession = 0x80;
    private const int Interrupted = 4;
    private const int NoChild = 10;

    /// <summary>Starts <paramref name="path"/> with <paramref name="arguments"/> (argv[0] first) and exactly <paramref name="environment"/>; returns its pid.</summary>
    public static unsafe int Start(string path, IReadOnlyList<string> arguments, IReadOnlyList<string> environment)
    {
        var strings = new List<nint>(arguments.Count + environment.Count + 1);
        var argv = stackalloc nint[arguments.Count + 1];
        var envp = (nint*)NativeMemory.Alloc((nuint)(environment.Count + 1), (nuint)sizeof(nint));
        // posix_spawnattr_t is 336 bytes in glibc, sigset_t 128: room to spare for any libc.
        var attributes = stackalloc byte[1024];
        var signals = stackalloc byte[256];
        var file = Marshal.StringToCoTaskMemUTF8(path);
        try
        {
            for (var i = 0; i < arguments.Count; i++)
            {
                argv[i] = Keep(strings, arguments[i]);
            }

            argv[arguments.Count] = 0;
            for (var i = 0; i < environment.Count; i++)
            {
                envp[i] = Keep(strings, environment[i]);
            }

            envp[environment.Count] = 0;
            Check(posix_spawnattr_init(attributes), "posix_spawnattr_init");
            try
            {
                // .NET ignores SIGPIPE and blocks signals on some threads: the child starts with
                // every signal at its default and none blocked, as a shell would give it.
                _ = sigemptyset(signals);
                Check(posix_spawnattr_setsigmask(attributes, signals), "posix_spawnattr_setsigmask");
                _ = sigfillset(signals);
                Check(posix_spawnattr_setsigdefault(attributes, signals), "posix_spawnattr_setsigdefault");
                Check(posix_spawnattr_setflags(attributes, SetSession | SetSignalMask | SetSignalDefault), "posix_spawnattr_setflags");
                int pid;
                Check(posix_spawn(&pid, (byte*)file, null, attributes, argv, envp), "posix_spawn " + path);
                return pid;
            }
            finally
            {
                _ = posix_spawnattr_destroy(attributes);
            }
        }
        finally
        {
            Marshal.FreeCoTaskMem(file);
            foreach (var s in strings)
            {
                Marshal.FreeCoTaskMem(s);
            }

            NativeMemory.Free(envp);
        }
    }

    /// <summary>
    /// Blocks until the child <paramref name="pid"/> ends and reaps it: its exit code, 128 + the
    /// signal that killed it (as shells report it), or null when it is not (or no longer) a child
    /// of this process.
    /// </summary>
    public static unsafe int? WaitForExit(int pid)
    {
        int status;
        while (true)
        {
            var result = waitpid(pid, &status, 0);
            if (result == pid)
            {
                break;
            }

            var error = Marshal.GetLastPInvokeError();
            if (result == -1 && error == Interrupted)
            {
                continue;
            }

            if (result == -1 && error == NoChild)
            {
                return null;
            }

            throw new IOException($"waitpid({pid}) failed: errno {error}");
        }

        var signal = status & 0x7f;
        return signal == 0 ? (status >> 8) & 0xff : 128 + signal;
    }

    private static nint Keep(List<nint> strings, string value)
    {
        var native = Marshal.StringToCoTaskMemUTF8(value);
        strings.Add(native);
        return native;
    }

    private static void Check(int error, string what)
    {
        if (error != 0)
        {
            throw new IOException($"{what} failed: {new System.ComponentModel.Win32Exception(error).Message} (errno {error})");
        }
    }

    [LibraryImport("libc")]
    private static unsafe partial int posix_spawn(int* pid, byte* path, void* fileActions, void* attributes, nint* argv, nint* envp);

    [LibraryImport("libc")]
    private static unsafe partial int posix_spawnattr_init(void* attributes);

    [LibraryImport("libc")]
    private static unsafe partial int posix_spawnattr_destroy(void* attributes);

    [LibraryImport("libc")]
    private static unsafe partial int posix_spawnattr_setflags(void* attributes, short flags);

    [LibraryImport("libc")]
    private static unsafe partial int posix_spawnattr_setsigmask(void* attributes, void* signals);

    [LibraryImport("libc")]
    private static unsafe partial int posix_spawnattr_setsigdefault(void* attributes, void* signals);

    [LibraryImport("libc")]
    private static unsafe partial int sigemptyset(void* signals);

    [LibraryImport("libc")]
    private static unsafe partial int sigfillset(void* signals);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int waitpid(int pid, int* status, int options);
}
