using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

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
    private const int CloseOnExec = 0x80000; // O_CLOEXEC

    /// <summary>
    /// Starts <paramref name="path"/> with <paramref name="arguments"/> (argv[0] first) and exactly
    /// <paramref name="environment"/>; returns its pid. With <paramref name="standardInput"/> (a
    /// descriptor of this process, e.g. the read end of <see cref="CreatePipe"/>) the child reads
    /// from it; otherwise it shares this process's standard input.
    /// </summary>
    public static unsafe int Start(string path, IReadOnlyList<string> arguments, IReadOnlyList<string> environment, SafeHandle? standardInput = null)
    {
        var strings = new List<nint>(arguments.Count + environment.Count + 1);
        var argv = stackalloc nint[arguments.Count + 1];
        var envp = (nint*)NativeMemory.Alloc((nuint)(environment.Count + 1), (nuint)sizeof(nint));
        // posix_spawnattr_t is 336 bytes in glibc, sigset_t 128: room to spare for any libc.
        var attributes = stackalloc byte[1024];
        var signals = stackalloc byte[256];
        // posix_spawn_file_actions_t is 80 bytes in glibc.
        var actions = stackalloc byte[256];
        var file = Marshal.StringToCoTaskMemUTF8(path);
        var addedRef = false;
        try
        {
            if (standardInput is not null)
            {
                standardInput.DangerousAddRef(ref addedRef);
                Check(posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init");
                Check(posix_spawn_file_actions_adddup2(actions, (int)standardInput.DangerousGetHandle(), 0), "posix_spawn_file_actions_adddup2");
            }

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
                Check(posix_spawn(&pid, (byte*)file, standardInput is null ? null : actions, attributes, argv, envp), "posix_spawn " + path);
                return pid;
            }
            finally
            {
                _ = posix_spawnattr_destroy(attributes);
            }
        }
        finally
        {
            if (standardInput is not null)
            {
                _ = posix_spawn_file_actions_destroy(actions);
            }

            if (addedRef)
            {
                standardInput!.DangerousRelease();
            }

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

    /// <summary>
    /// Field 22 of /proc/PID/stat: the start time in clock ticks since boot. Read into a stack
    /// buffer: File.ReadAllText allocated 9 KiB for these 300 bytes.
    /// </summary>
    public static string? StartTime(int pid)
    {
        try
        {
            using var handle = File.OpenHandle($"/proc/{pid}/stat");
            Span<byte> buffer = stackalloc byte[1024];
            ReadOnlySpan<byte> stat = buffer[..RandomAccess.Read(handle, buffer, 0)];
            // The command name may hold spaces and parentheses: fields are counted after its last ')'.
            var rest = stat[(stat.LastIndexOf((byte)')') + 2)..];
            for (var field = 3; field < 22; field++)
            {
                var space = rest.IndexOf((byte)' ');
                if (space < 0)
                {
                    return null;
                }

                rest = rest[(space + 1)..];
            }

            var end = rest.IndexOf((byte)' ');
            return Encoding.ASCII.GetString(end < 0 ? rest : rest[..end]);
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// A pipe whose ends close on exec: a child gets the read end only as the standard input it is
    /// given (<see cref="Start"/>), and no other child holds the write end open.
    /// </summary>
    public static unsafe (SafeFileHandle Read, SafeFileHandle Write) CreatePipe()
    {
        var fds = stackalloc int[2];
        if (pipe2(fds, CloseOnExec) != 0)
        {
            throw new IOException($"pipe2 failed: errno {Marshal.GetLastPInvokeError()}");
        }

        return (new SafeFileHandle(fds[0], ownsHandle: true), new SafeFileHandle(fds[1], ownsHandle: true));
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
    private static unsafe partial int posix_spawn_file_actions_init(void* actions);

    [LibraryImport("libc")]
    private static unsafe partial int posix_spawn_file_actions_destroy(void* actions);

    [LibraryImport("libc")]
    private static unsafe partial int posix_spawn_file_actions_adddup2(void* actions, int fd, int newFd);

    [LibraryImport("libc", SetLastError = true)]
    private static unsafe partial int pipe2(int* fds, int flags);

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
