using MLOps.Plan;

namespace MLOps.Runtime.Execution;

/// <summary>
/// One backend that runs resolved nodes: local processes, Slurm jobs, Kubernetes Jobs, Ray jobs.
/// A backend never decides what runs next, never retries and never caches: the scheduler does.
/// </summary>
public interface IExecutor : IAsyncDisposable
{
    /// <summary>The target kind this executor serves: "local", "slurm", "kubernetes", "ray".</summary>
    string Kind { get; }

    /// <summary>Starts the node. Returns once the backend has accepted it (not when it ends).</summary>
    Task<ExecutionHandle> SubmitAsync(ResolvedNode node, CancellationToken cancellationToken);

    /// <summary>
    /// The current state of many submissions at once (one request to the backend where it can).
    /// The result has one entry per handle, in the same order.
    /// </summary>
    Task<IReadOnlyList<ExecutionStatus>> GetStatusesAsync(IReadOnlyList<ExecutionHandle> handles, CancellationToken cancellationToken);

    /// <summary>Ends the submission (and, locally, its whole process tree). Idempotent.</summary>
    Task CancelAsync(ExecutionHandle handle, CancellationToken cancellationToken);

    /// <summary>
    /// Reads a log of the submission from <paramref name="offset"/> (bytes); with
    /// <paramref name="follow"/> keeps reading until the submission ends.
    /// </summary>
    IAsyncEnumerable<string> ReadLogAsync(ExecutionHandle handle, LogStream stream, long offset, bool follow, CancellationToken cancellationToken);

    /// <summary>
    /// Completes when one of <paramref name="handles"/> may have changed state, or after
    /// <paramref name="pollInterval"/>; the runtime then asks for every status in one
    /// <see cref="GetStatusesAsync"/> call. Backends that learn of exits at once (local processes)
    /// complete early; the rest poll.
    /// </summary>
    Task WaitForChangeAsync(IReadOnlyList<ExecutionHandle> handles, TimeSpan pollInterval, CancellationToken cancellationToken) =>
        Task.Delay(pollInterval, cancellationToken);

    /// <summary>
    /// Finds a submission of <paramref name="node"/> that an earlier mlpc made but could not record
    /// (it was killed between submitting and writing the handle). Null when there is none.
    /// </summary>
    Task<ExecutionHandle?> FindSubmissionAsync(ResolvedNode node, CancellationToken cancellationToken) =>
        Task.FromResult<ExecutionHandle?>(null);

    /// <summary>
    /// True when <see cref="FindSubmissionAsync"/> finds every submission this executor accepted
    /// (from the node alone). Then the runtime submits without first waiting for the store to
    /// record the attempt; otherwise it waits, so that the record is what finds it.
    /// </summary>
    bool FindsSubmissions => false;

    /// <summary>
    /// A task that completes when the submission has ended, for a backend that learns of it at once
    /// (local processes); null where only polling tells. The monitor then asks for the final state
    /// once instead of watching.
    /// </summary>
    Task? WhenEnded(ExecutionHandle handle) => null;
}

public enum LogStream
{
    Stdout,
    Stderr,
}

/// <summary>
/// What identifies a submission on its backend: a process id (with its start time, so a reused pid
/// is not mistaken for ours), a Slurm job id, a Kubernetes Job name. Persisted by the runtime so a
/// restarted <c>mlpc</c> can find, follow or end what an earlier one started.
/// </summary>
public sealed record ExecutionHandle(string Executor, string Id, string NodeInstanceId, string StdoutPath, string StderrPath);

public enum ExecutionState
{
    /// <summary>Accepted, waiting for resources (also: requeued after preemption).</summary>
    Pending,
    Running,
    Succeeded,
    Failed,
    Cancelled,
    TimedOut,
    OutOfMemory,

    /// <summary>The backend lost the submission's machine; a retry may succeed.</summary>
    NodeFailure,

    /// <summary>The backend no longer knows the submission (e.g. purged); the runtime decides.</summary>
    Lost,
}

public static class ExecutionStates
{
    public static bool IsTerminal(this ExecutionState state) => state is not (ExecutionState.Pending or ExecutionState.Running);
}

/// <summary>State plus, for ended submissions, the exit code (decoded, not a raw wait status) and a message for people.</summary>
public sealed record ExecutionStatus(ExecutionState State, int? ExitCode = null, string? Message = null);

/// <summary>
/// A plan node instance with every placeholder resolved: ready to hand to a backend.
/// <c>Command</c> is a shell command line (run with <c>/bin/sh -c</c>); <c>Env</c> already holds
/// the step contract's variables (see docs/step-contract.md).
/// </summary>
public sealed record ResolvedNode
{
    public required string RunId { get; init; }

    /// <summary>Plan node id plus fan-out index, e.g. <c>fit[2]</c>.</summary>
    public required string NodeInstanceId { get; init; }

    public required int Attempt { get; init; }

    public required string Command { get; init; }

    public string? Image { get; init; }

    public required IReadOnlyDictionary<string, string> Env { get; init; }

    public required PlanResources Resources { get; init; }

    public double? TimeoutSeconds { get; init; }

    public required PlanTarget Target { get; init; }

    /// <summary>The folder the step runs in (its outputs and logs live under it).</summary>
    public required string WorkDir { get; init; }

    public required string StdoutPath { get; init; }

    public required string StderrPath { get; init; }
}
