namespace MLOps.Runtime.Execution;

/// <summary>
/// An executor that can submit several nodes as one backend submission (a Slurm job array): for a
/// fan-out or a batch of sweep trials with the same resources. Each node keeps its own handle,
/// state, exit code and logs; the scheduler treats them exactly as if submitted one by one.
/// </summary>
public interface IBatchExecutor : IExecutor
{
    /// <summary>Whether these nodes may go together (same target, resources and timeout).</summary>
    bool CanSubmitTogether(IReadOnlyList<ResolvedNode> nodes);

    /// <summary>Submits the nodes in one request; one handle per node, in the same order.</summary>
    Task<IReadOnlyList<ExecutionHandle>> SubmitBatchAsync(IReadOnlyList<ResolvedNode> nodes, CancellationToken cancellationToken);
}
