namespace MLOps.Tracking.Runs;

/// <summary>
/// One attempt of a step run on an executor (attempts count from 1; a retry is a new attempt).
/// The handle (<see cref="Executor"/>, <see cref="HandleId"/>) and the owning mlpc process
/// (<see cref="OwnerHost"/>, <see cref="OwnerPid"/>) are persisted as soon as the executor has
/// accepted the submission, so a restarted process can find attempts that are still open and
/// follow or end them.
/// </summary>
public sealed record StepAttempt
{
    public required string RunId { get; init; }

    public required int Attempt { get; init; }

    /// <summary>Executor kind: "local", "slurm", "kubernetes", "ray".</summary>
    public required string Executor { get; init; }

    /// <summary>The backend's id of the submission (pid with start time, Slurm job id, Job name...).</summary>
    public required string HandleId { get; init; }

    public string? StdoutPath { get; init; }

    public string? StderrPath { get; init; }

    public string? OwnerHost { get; init; }

    public int? OwnerPid { get; init; }

    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>Null while the attempt is open.</summary>
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>The executor's final state word ("succeeded", "failed", "timed_out", ...), null while open.</summary>
    public string? State { get; init; }

    public int? ExitCode { get; init; }

    public string? Message { get; init; }
}

/// <summary>How an attempt ended.</summary>
public sealed record StepAttemptEnd(string State, int? ExitCode = null, string? Message = null, DateTimeOffset? At = null);
