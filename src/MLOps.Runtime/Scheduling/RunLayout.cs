namespace MLOps.Runtime.Scheduling;

/// <summary>
/// Where a run keeps its files: <c>WORK_ROOT/RUN_ID/NODE_INSTANCE/</c> with <c>out/</c> (outputs),
/// <c>tmp/</c> (scratch) and <c>attempt-N/</c> (stdout, stderr, metrics, pid, exit code).
/// </summary>
public sealed class RunLayout(string workRoot, string runId)
{
    public string RunDirectory { get; } = Path.Combine(Path.GetFullPath(workRoot), SafeName(runId));

    /// <summary>Held (flock) by the mlpc process that runs the run; a free lock means the run was abandoned.</summary>
    public string LockPath => Path.Combine(RunDirectory, "lock");

    public string StepDirectory(string instanceId) => Path.Combine(RunDirectory, SafeName(instanceId));

    public string OutputDirectory(string instanceId) => Path.Combine(StepDirectory(instanceId), "out");

    public string ScratchDirectory(string instanceId) => Path.Combine(StepDirectory(instanceId), "tmp");

    public string AttemptDirectory(string instanceId, int attempt) => Path.Combine(StepDirectory(instanceId), "attempt-" + attempt);

    /// <summary>Node ids hold '/' (sub-pipelines) and brackets (fan-outs): '/' becomes '__' so every step is one folder.</summary>
    public static string SafeName(string id) => id.Replace("/", "__", StringComparison.Ordinal).Replace("\\", "_", StringComparison.Ordinal);
}
