using MLOps.Plan;
using MLOps.Runtime.Scheduling;
using MLOps.Tracking.Registry;

namespace MLOps.Runtime.Policies;

/// <summary>
/// The scheduler's hook after <c>register</c>: stores the plan's policies for the model and
/// evaluates them for the new version (<see cref="PolicyEngine.RunAfterRegisterAsync"/>). The
/// outcome is reported, not raised: a failed or pending policy does not fail the run.
/// </summary>
public sealed class PolicyRegistrationHook(IModelRegistry registry, IPolicyNotifier? notifier = null, Func<string, string?>? environment = null) : IRegistrationHook
{
    public async Task<string?> AfterRegisterAsync(ExecutionPlan plan, ModelVersion version, CancellationToken cancellationToken)
    {
        var evaluations = await new PolicyEngine(registry, notifier).RunAfterRegisterAsync(plan, version.Model, version.Version, new PromotionOptions
        {
            Actor = version.CreatedBy,
            RunId = version.SourceRunId,
            Environment = environment,
        }, cancellationToken);
        return evaluations.Count == 0 ? null : string.Join("; ", evaluations.Select(Line));
    }

    private static string Line(PolicyEvaluation e)
    {
        var moved = e.Actions.Where(a => a.Kind == "alias" && a.Status == ActionStatus.Applied).Select(a => $"{a.Target} → v{e.Version}");
        var failed = e.Actions.Where(a => a.Status is ActionStatus.Failed or ActionStatus.Conflict).Select(a => a.Message);
        return string.Join(", ", new[] { e.Summary }.Concat(moved).Concat(failed));
    }
}
