using MLOps.Plan;
using MLOps.Runtime.Execution;
using MLOps.Runtime.Scheduling;
using MLOps.Runtime.Values;
using MLOps.Tracking;
using MLOps.Tracking.Runs;

namespace MLOps.Runtime.Sweeps;

/// <summary>
/// Runs each trial as a child pipeline run with the scheduler. Trials share the step cache, so a
/// step that does not read a swept parameter runs once for the whole sweep; the steps' streamed
/// metrics go to the pruner as they arrive, and a pruned trial's token ends its processes.
/// </summary>
public sealed class PipelineTrialRunner(
    TrackingStores stores,
    IExecutorProvider executors,
    ExecutionPlan plan,
    string planDigest,
    string projectDirectory,
    string workRoot,
    int maxParallelSteps,
    IRunObserver? observer = null,
    IRegistrationHook? afterRegister = null) : ITrialRunner
{
    public async Task<TrialOutcome> RunTrialAsync(TrialSpec spec, ITrialReporter reporter, CancellationToken cancellationToken)
    {
        var runner = new PlanRunner(stores, executors, observer);
        var result = await runner.RunAsync(new RunRequest
        {
            Plan = plan,
            PlanDigest = planDigest,
            ProjectDirectory = projectDirectory,
            WorkRoot = workRoot,
            Experiment = spec.Experiment,
            RunId = spec.RunId,
            ParentRunId = spec.SweepRunId,
            Kind = RunKind.Trial,
            Params = spec.Parameters.ToDictionary(p => p.Key, p => p.Value),
            MaxParallel = maxParallelSteps,
            OnMetric = point => reporter.Report(point.Name, point.Step, point.Value),
            AfterRegister = afterRegister,
        }, cancellationToken).ConfigureAwait(false);

        if (reporter.IsPruned)
        {
            return TrialOutcome.Pruned();
        }

        switch (result.Status)
        {
            case RunStatus.Cancelled:
                return TrialOutcome.Cancelled(result.Message);
            case RunStatus.Succeeded:
                break;
            default:
                return TrialOutcome.Failed(result.Message ?? "the trial's pipeline failed");
        }

        if (!result.Outputs.TryGetValue(spec.Objective.Output, out var output))
        {
            return TrialOutcome.Failed($"the pipeline has no output '{spec.Objective.Output}' for the objective");
        }

        var value = RuntimeValues.AsNumber(ExprEvaluator.Walk(output, spec.Objective.Path));
        return value is { } v && double.IsFinite(v)
            ? TrialOutcome.Succeeded(v)
            : TrialOutcome.Failed($"the objective {string.Join(".", new[] { spec.Objective.Output }.Concat(spec.Objective.Path))} is not a number");
    }
}
