using System.Globalization;
using MLOps.Backends.Slurm.Api;
using MLOps.Runtime.Execution;

namespace MLOps.Backends.Slurm;

/// <summary>Slurm job states and wait statuses in the runtime's terms.</summary>
public static class SlurmJobStates
{
    /// <summary>
    /// Decodes a raw wait status (slurmrestd's <c>exit_code</c>): <c>exit 3</c> is 768 (3 &lt;&lt; 8);
    /// death by signal N is N in the low 7 bits and reads as 128 + N, as a shell reports it.
    /// </summary>
    public static (int Code, int? Signal) DecodeWaitStatus(long status)
    {
        var raw = (int)(status & 0xffff);
        var signal = raw & 0x7f;
        return signal != 0 && signal != 0x7f ? (128 + signal, signal) : ((raw >> 8) & 0xff, null);
    }

    /// <summary>The runtime's status of a job record.</summary>
    public static ExecutionStatus Map(SlurmJob job, double? timeoutSeconds = null)
    {
        var state = (job.JobState ?? "").Split(['+', ' ', ','], StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "";
        var reason = job.StateReason is { Length: > 0 } r && r != "None" ? r : null;
        var (code, signal) = DecodeWaitStatus(job.ExitCode ?? 0);
        var exit = signal is { } s ? $"killed by signal {s}" : $"exited with code {code}";
        return state switch
        {
            "PENDING" => new(ExecutionState.Pending, null, reason is null ? "pending" : $"pending ({Reason(reason)})"),
            "REQUEUED" or "REQUEUE_FED" or "REQUEUE_HOLD" or "RESV_DEL_HOLD" => new(ExecutionState.Pending, null, $"requeued by Slurm (restart {job.RestartCnt ?? 0}); it runs again"),
            "CONFIGURING" or "RUNNING" or "COMPLETING" or "RESIZING" or "SIGNALING" or "STAGE_OUT" or "POWER_UP_NODE" => new(ExecutionState.Running, null, job.RestartCnt is > 0 ? $"running again after {job.RestartCnt} requeue(s)" : null),
            "SUSPENDED" or "STOPPED" => new(ExecutionState.Running, null, "suspended by Slurm"),
            "COMPLETED" => new(ExecutionState.Succeeded, 0),
            "FAILED" => new(ExecutionState.Failed, code, reason is "NonZeroExitCode" or null ? exit : $"{exit} ({Reason(reason)})"),
            "CANCELLED" or "REVOKED" => new(ExecutionState.Cancelled, null, "cancelled"),
            "TIMEOUT" or "DEADLINE" => new(ExecutionState.TimedOut, null, TimedOut(job, timeoutSeconds)),
            "OUT_OF_MEMORY" => new(ExecutionState.OutOfMemory, code == 0 ? null : code, $"used more memory than its limit{(job.MemoryPerNode is > 0 and < long.MaxValue / 2 ? " of " + job.MemoryPerNode.Value.ToString(CultureInfo.InvariantCulture) + " MiB" : "")}: Slurm ended it (OUT_OF_MEMORY); raise the step's resources.memory"),
            "NODE_FAIL" or "BOOT_FAIL" => new(ExecutionState.NodeFailure, null, $"the node {job.Nodes} failed ({state}); a retry runs it elsewhere"),
            // Preempted and requeueable: Slurm puts it back in the queue; follow it.
            "PREEMPTED" when job.Requeue == true => new(ExecutionState.Pending, null, "preempted; Slurm requeues it"),
            "PREEMPTED" => new(ExecutionState.NodeFailure, null, "preempted by a higher-priority job and not requeued; a retry runs it again"),
            "SPECIAL_EXIT" => new(ExecutionState.Failed, code, $"{exit} (SPECIAL_EXIT)"),
            _ => new(ExecutionState.Lost, null, $"unknown Slurm state '{job.JobState}'"),
        };
    }

    /// <summary>Slurm's task string: <c>0-99</c>, <c>1,3,5-9</c>, <c>0-98:2</c>, with an optional <c>%N</c> limit.</summary>
    public static bool InTaskRanges(string ranges, long task)
    {
        var text = ranges.Split('%')[0];
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var stepAt = part.IndexOf(':', StringComparison.Ordinal);
            var step = stepAt > 0 ? long.Parse(part[(stepAt + 1)..], CultureInfo.InvariantCulture) : 1;
            var span = stepAt > 0 ? part[..stepAt] : part;
            var dash = span.IndexOf('-', StringComparison.Ordinal);
            var low = long.Parse(dash > 0 ? span[..dash] : span, CultureInfo.InvariantCulture);
            var high = dash > 0 ? long.Parse(span[(dash + 1)..], CultureInfo.InvariantCulture) : low;
            if (task >= low && task <= high && (task - low) % step == 0)
            {
                return true;
            }
        }

        return false;
    }

    private static string TimedOut(SlurmJob job, double? timeoutSeconds) => timeoutSeconds is { } t
        ? $"timed out after {t.ToString(CultureInfo.InvariantCulture)} s"
        : $"reached its Slurm time limit of {job.TimeLimit} min";

    private static string Reason(string reason) => reason switch
    {
        "Resources" => "waiting for resources",
        "Priority" => "other jobs have priority",
        "BeginTime" => "waiting for its begin time",
        "Dependency" => "waiting for a dependency",
        "PartitionDown" => "the partition is down",
        "PartitionInactive" => "the partition is inactive",
        "ReqNodeNotAvail" => "the requested nodes are not available",
        "PartitionTimeLimit" => "the timeout exceeds the partition's time limit; it will never start",
        "BadConstraints" => "no node matches the constraint; it will never start",
        "JobHeldUser" or "JobHeldAdmin" => "held",
        "NodeDown" => "a node is down",
        _ => reason,
    };
}
