using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using MLOps.Plan;
using MLOps.Tracking;
using MLOps.Tracking.Registry;

namespace MLOps.Runtime.Policies;

/// <summary>
/// Evaluates promotion policies against the registry: judges every rule against the candidate
/// and the alias holders read once at the start, then runs the outcome's actions (alias moves by
/// compare-and-swap expecting those holders, tags, signed webhooks) and records the evaluation,
/// dry runs included, in the registry's audit history.
/// </summary>
public sealed class PolicyEngine(IModelRegistry registry, IPolicyNotifier? notifier = null)
{
    private static readonly JsonSerializerOptions Json = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private IPolicyNotifier Notifier => notifier ??= new HmacWebhookNotifier();

    /// <summary>
    /// What the runtime calls after a pipeline's <c>register</c> made <paramref name="version"/>:
    /// stores the plan's policies for the model (so <c>mlpc promote</c> finds them later) and
    /// evaluates each. A failing or pending policy is an outcome, not an error: the run goes on.
    /// </summary>
    public async Task<IReadOnlyList<PolicyEvaluation>> RunAfterRegisterAsync(ExecutionPlan plan, string model, int version, PromotionOptions? options = null, CancellationToken cancellationToken = default)
    {
        var results = new List<PolicyEvaluation>();
        foreach (var policy in plan.Policies.Where(p => p.Model == model))
        {
            await registry.SavePolicyAsync(new StoredPolicy
            {
                Model = model,
                Name = policy.Name,
                PolicyJson = PlanJson.WritePolicy(policy),
                SourceDigest = plan.Source.Digest,
                UpdatedBy = options?.Actor,
            }, cancellationToken);
            results.Add(await EvaluateAsync(policy, version, (options ?? new PromotionOptions()) with { Trigger = "register" }, cancellationToken));
        }

        return results;
    }

    /// <summary>The policies stored for a model, read back into plan form.</summary>
    public async Task<IReadOnlyList<PlanPolicy>> GetStoredPoliciesAsync(string model, CancellationToken cancellationToken = default) =>
        [.. (await registry.GetPoliciesAsync(model, cancellationToken)).Select(p => PlanJsonReader.ReadPolicy(p.PolicyJson))];

    public async Task<PolicyEvaluation> EvaluateAsync(PlanPolicy policy, int version, PromotionOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new PromotionOptions();
        var model = policy.Model;
        var candidate = await registry.GetVersionAsync(model, version, cancellationToken)
            ?? throw new TrackingNotFoundException($"model '{model}' has no version {version}");

        var holders = new Dictionary<string, ModelVersion?>(StringComparer.Ordinal);
        foreach (var alias in policy.ReadsAliases.Concat(AliasActions(policy).Select(a => a.Alias!)).Distinct(StringComparer.Ordinal))
        {
            holders[alias] = await registry.ResolveAliasAsync(model, alias, cancellationToken);
        }

        var approvals = await registry.ListApprovalsAsync(model, version, policy.Name, cancellationToken);
        var context = new PolicyModelContext(candidate, holders, options.Environment);
        var verdicts = policy.Rules.Select((rule, i) => Judge(rule, i + 1, context, approvals)).ToList();
        var pending = verdicts.Where(v => v.Status == VerdictStatus.Pending).Select(v => v.Group!).Distinct(StringComparer.Ordinal).ToList();
        var outcome = verdicts.Any(v => v.Status == VerdictStatus.Failed) ? PolicyOutcome.Failed
            : pending.Count > 0 ? PolicyOutcome.Pending
            : PolicyOutcome.Passed;

        var expected = holders.ToDictionary(h => h.Key, h => h.Value?.Version, StringComparer.Ordinal);
        var evaluation = new PolicyEvaluation
        {
            Policy = policy.Name,
            Model = model,
            Version = version,
            Outcome = outcome,
            DryRun = options.DryRun,
            Verdicts = verdicts,
            Holders = expected,
            PendingGroups = pending,
        };

        var actions = outcome switch
        {
            PolicyOutcome.Passed => policy.OnPass,
            PolicyOutcome.Failed => policy.OnFail,
            _ => [],
        };
        var results = options.DryRun
            ? Plan(actions, evaluation)
            : await RunActionsAsync(actions, evaluation, options, cancellationToken);
        if (results.Any(r => r.Status == ActionStatus.Conflict))
        {
            outcome = PolicyOutcome.Conflict;
        }

        evaluation = evaluation with { Outcome = outcome, Actions = results };
        evaluation = evaluation with { Summary = Summarize(evaluation) };
        var audit = await registry.AppendAuditAsync(new RegistryAuditEvent
        {
            Kind = "policy.evaluate",
            Model = model,
            Version = version,
            Policy = policy.Name,
            Outcome = OutcomeName(outcome),
            VerdictsJson = JsonSerializer.Serialize(verdicts.Select(VerdictJson), Json),
            DetailsJson = JsonSerializer.Serialize(new
            {
                dry_run = options.DryRun,
                trigger = options.Trigger,
                run_id = options.RunId,
                holders = expected,
                pending_groups = pending,
                actions = results.Select(r => new { kind = r.Kind, target = r.Target, status = r.Status.ToString().ToLowerInvariant(), message = r.Message }),
                summary = evaluation.Summary,
            }, Json),
            Actor = options.Actor,
        }, cancellationToken);
        evaluation = evaluation with { AuditId = audit.Id };

        if (!options.DryRun)
        {
            await registry.SavePromotionAsync(new PromotionRecord
            {
                Model = model,
                Version = version,
                Policy = policy.Name,
                State = OutcomeName(outcome),
                PolicyJson = PlanJson.WritePolicy(policy),
                PendingGroups = pending,
                UpdatedBy = options.Actor,
                AuditId = audit.Id,
            }, cancellationToken);
        }

        return evaluation;
    }

    /// <summary>
    /// Records approvals by <paramref name="approver"/> for the groups of the policy they belong
    /// to (only <paramref name="group"/> when given), then evaluates again, so the on-pass actions
    /// run as soon as every rule passes and every approval is in. The policy is the one the
    /// pending promotion was evaluated with, else the stored one.
    /// </summary>
    public async Task<ApprovalOutcome> ApproveAsync(PlanPolicy policy, int version, string approver, ApproverDirectory directory, string? group = null, PromotionOptions? options = null, CancellationToken cancellationToken = default)
    {
        var groups = policy.Rules.Where(r => r.Kind == "approval" && r.Group is not null).Select(r => r.Group!).Distinct(StringComparer.Ordinal).ToList();
        if (groups.Count == 0)
        {
            throw new PolicyConfigException($"policy '{policy.Name}' needs no approval");
        }

        if (group is not null && !groups.Contains(group, StringComparer.Ordinal))
        {
            throw new PolicyConfigException($"policy '{policy.Name}' waits for approval from {Quoted(groups)}, not from '{group}'");
        }

        var mine = groups.Where(g => (group is null || g == group) && directory.IsMember(g, approver)).ToList();
        if (mine.Count == 0)
        {
            var asked = group is null ? groups : [group];
            throw new ApprovalRefusedException(
                $"{approver} is not a member of {Quoted(asked)} (members: {string.Join("; ", asked.Select(g => $"{g}: {Members(directory, g)}"))}; from {directory.Source}): the approval is refused");
        }

        if (await registry.GetPromotionAsync(policy.Model, version, policy.Name, cancellationToken) is { State: PromotionStates.Passed } done)
        {
            throw new AlreadyPromotedException($"version {version} of '{policy.Model}' already passed policy '{policy.Name}' ({Time(done.UpdatedAt)}): nothing to approve");
        }

        var recorded = new List<ApprovalResult>();
        foreach (var g in mine)
        {
            recorded.Add(await registry.AddApprovalAsync(new PromotionApproval { Model = policy.Model, Version = version, Policy = policy.Name, Group = g, Approver = approver }, cancellationToken));
        }

        var evaluation = await EvaluateAsync(policy, version, (options ?? new PromotionOptions()) with { Trigger = "approve", Actor = approver, DryRun = false }, cancellationToken);
        return new ApprovalOutcome(recorded, evaluation);
    }

    private static string Members(ApproverDirectory directory, string group) =>
        directory.Members(group) is { Count: > 0 } m ? string.Join(", ", m) : "none";

    private static string Quoted(IEnumerable<string> groups) => string.Join(" or ", groups.Select(g => $"'{g}'"));

    private static IEnumerable<PlanAction> AliasActions(PlanPolicy policy) =>
        policy.OnPass.Concat(policy.OnFail).Where(a => a.Kind == "alias" && a.Alias is not null);

    private static PolicyVerdict Judge(PlanRule rule, int index, PolicyModelContext context, IReadOnlyList<PromotionApproval> approvals)
    {
        if (rule.Kind == "approval")
        {
            var approval = approvals.FirstOrDefault(a => a.Group == rule.Group);
            return new PolicyVerdict
            {
                Index = index,
                Kind = rule.Kind,
                Text = rule.Text,
                Group = rule.Group,
                Approval = approval,
                Status = approval is null ? VerdictStatus.Pending : VerdictStatus.Passed,
                Compared = approval is null ? "not approved yet" : $"approved by {approval.Approver} at {Time(approval.At)}",
                Message = approval is null ? $"waiting for approval from '{rule.Group}': mlpc approve {context.Candidate.Model} --version {context.Candidate.Version}" : null,
            };
        }

        var evaluator = new PolicyExpressionEvaluator(context);
        if (rule.Condition is null)
        {
            return new PolicyVerdict { Index = index, Kind = rule.Kind, Text = rule.Text, Status = VerdictStatus.Failed, Message = $"unknown rule kind '{rule.Kind}' without a condition" };
        }

        try
        {
            var passed = evaluator.EvaluateCondition(rule.Condition);
            return new PolicyVerdict
            {
                Index = index,
                Kind = rule.Kind,
                Text = rule.Text,
                Status = passed ? VerdictStatus.Passed : VerdictStatus.Failed,
                Compared = evaluator.Explain(rule.Condition),
                Reads = evaluator.Reads,
                Message = passed ? null : rule.Message ?? "the condition is false",
            };
        }
        catch (PolicyValueException e)
        {
            // A rule that cannot be judged does not pass: promoting on a missing value would be a guess.
            return new PolicyVerdict
            {
                Index = index,
                Kind = rule.Kind,
                Text = rule.Text,
                Status = VerdictStatus.Failed,
                Compared = evaluator.Explain(rule.Condition),
                Reads = evaluator.Reads,
                Message = rule.Message is null ? e.Message : $"{rule.Message} ({e.Message})",
            };
        }
    }

    /// <summary>Dry run: say what each action would do, touching nothing.</summary>
    private static List<PolicyActionResult> Plan(IEnumerable<PlanAction> actions, PolicyEvaluation e) =>
        [.. Ordered(actions).Select(a => a.Kind switch
        {
            "alias" => new PolicyActionResult("alias", "@" + a.Alias, ActionStatus.Planned, $"would move @{a.Alias} from {Holder(e.Holders, a.Alias!)} to version {e.Version}"),
            "tag" => new PolicyActionResult("tag", TagText(a), ActionStatus.Planned, $"would tag version {e.Version} with {TagText(a)}"),
            "notify" => new PolicyActionResult("notify", a.Url ?? "", ActionStatus.Planned, $"would notify {a.Url}" + (a.SecretEnv is null ? " (unsigned)" : $" signed with ${a.SecretEnv}")),
            _ => new PolicyActionResult(a.Kind, "", ActionStatus.Skipped, $"unknown action '{a.Kind}'"),
        })];

    /// <summary>
    /// Alias moves first (they are what can conflict), then tags, then notifications, so a webhook
    /// reports what really happened. A conflict undoes this promotion's earlier moves (by CAS too)
    /// and skips everything after it.
    /// </summary>
    private async Task<List<PolicyActionResult>> RunActionsAsync(IEnumerable<PlanAction> actions, PolicyEvaluation e, PromotionOptions options, CancellationToken ct)
    {
        var results = new List<PolicyActionResult>();
        var moved = new List<(string Alias, int? From, int Index)>();
        var conflict = false;
        foreach (var action in Ordered(actions))
        {
            if (conflict)
            {
                results.Add(new PolicyActionResult(action.Kind, Target(action), ActionStatus.Skipped, "skipped: an alias move of this promotion conflicted"));
                continue;
            }

            switch (action.Kind)
            {
                case "alias":
                    var alias = action.Alias!;
                    var from = e.Holders.GetValueOrDefault(alias);
                    var change = await registry.ChangeAliasAsync(new AliasChange
                    {
                        Model = e.Model,
                        Alias = alias,
                        ExpectedVersion = from,
                        NewVersion = e.Version,
                        Actor = options.Actor,
                        Reason = $"policy {e.Policy} {OutcomeName(e.Outcome)}",
                    }, ct);
                    switch (change.Outcome)
                    {
                        case AliasChangeOutcome.Applied:
                            moved.Add((alias, from, results.Count));
                            results.Add(new PolicyActionResult("alias", "@" + alias, ActionStatus.Applied, $"@{alias} moved from {Holder(e.Holders, alias)} to version {e.Version}"));
                            break;
                        case AliasChangeOutcome.Unchanged:
                            results.Add(new PolicyActionResult("alias", "@" + alias, ActionStatus.Unchanged, $"@{alias} already holds version {e.Version}"));
                            break;
                        case AliasChangeOutcome.Conflict when change.ActualVersion == e.Version:
                            // Someone else promoted this very version meanwhile: the goal holds, nothing to overwrite.
                            results.Add(new PolicyActionResult("alias", "@" + alias, ActionStatus.Unchanged, $"@{alias} already holds version {e.Version} (moved concurrently)"));
                            break;
                        case AliasChangeOutcome.Conflict:
                            conflict = true;
                            var now = change.ActualVersion is { } v ? $"now holds version {v}" : "is now unset";
                            results.Add(new PolicyActionResult("alias", "@" + alias, ActionStatus.Conflict,
                                $"conflict: @{alias} {now}, but it held {Holder(e.Holders, alias)} when the rules were evaluated; nothing was overwritten (evaluate again to judge against the new holder)"));
                            await RollBackAsync(moved, results, e, options, ct);
                            break;
                        default:
                            results.Add(new PolicyActionResult("alias", "@" + alias, ActionStatus.Failed, change.Message));
                            break;
                    }

                    break;
                case "tag":
                    var tags = action.Tags.ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);
                    var tagged = await registry.SetVersionTagsAsync(e.Model, e.Version, tags, options.Actor, ct);
                    results.Add(new PolicyActionResult("tag", TagText(action), tagged is null ? ActionStatus.Failed : ActionStatus.Applied,
                        tagged is null ? $"version {e.Version} no longer exists" : $"tagged version {e.Version} with {TagText(action)}"));
                    break;
                case "notify":
                    results.Add(await NotifyAsync(action, e, results, options, ct));
                    break;
                default:
                    results.Add(new PolicyActionResult(action.Kind, "", ActionStatus.Failed, $"unknown action '{action.Kind}'"));
                    break;
            }
        }

        return results;
    }

    private async Task RollBackAsync(List<(string Alias, int? From, int Index)> moved, List<PolicyActionResult> results, PolicyEvaluation e, PromotionOptions options, CancellationToken ct)
    {
        foreach (var (alias, from, index) in Enumerable.Reverse(moved))
        {
            var undo = await registry.ChangeAliasAsync(new AliasChange
            {
                Model = e.Model,
                Alias = alias,
                ExpectedVersion = e.Version,
                NewVersion = from,
                Actor = options.Actor,
                Reason = $"policy {e.Policy}: undo after a conflicting alias move",
            }, ct);
            results[index] = results[index] with
            {
                Status = undo.Succeeded ? ActionStatus.RolledBack : ActionStatus.Conflict,
                Message = undo.Succeeded
                    ? $"@{alias} was moved to version {e.Version}, then moved back to {Holder(e.Holders, alias)} because a later alias move conflicted"
                    : $"@{alias} was moved to version {e.Version}; moving it back failed ({undo.Message})",
            };
        }
    }

    private async Task<PolicyActionResult> NotifyAsync(PlanAction action, PolicyEvaluation e, IReadOnlyList<PolicyActionResult> done, PromotionOptions options, CancellationToken ct)
    {
        var url = action.Url ?? "";
        byte[]? key = null;
        if (action.SecretEnv is { } name)
        {
            var secret = (options.Environment ?? System.Environment.GetEnvironmentVariable)(name);
            if (string.IsNullOrEmpty(secret))
            {
                return new PolicyActionResult("notify", url, ActionStatus.Failed, $"the environment variable {name} (the webhook secret) is not set: nothing was sent unsigned");
            }

            key = Encoding.UTF8.GetBytes(secret);
        }

        var body = WebhookBody(e, done, options);
        try
        {
            await Notifier.SendAsync(new Uri(url), body, key, ct);
            return new PolicyActionResult("notify", url, ActionStatus.Applied, $"notified {url}" + (key is null ? " (unsigned)" : " (signed)"));
        }
        catch (PolicyNotifyException ex)
        {
            return new PolicyActionResult("notify", url, ActionStatus.Failed, ex.Message);
        }
    }

    /// <summary>The webhook's JSON: model, version, policy, outcome, verdicts and the actions before it.</summary>
    public static string WebhookBody(PolicyEvaluation e, IReadOnlyList<PolicyActionResult> done, PromotionOptions options) =>
        JsonSerializer.Serialize(new
        {
            @event = "policy.evaluate",
            model = e.Model,
            version = e.Version,
            policy = e.Policy,
            outcome = OutcomeName(e.Outcome),
            trigger = options.Trigger,
            actor = options.Actor ?? System.Environment.UserName,
            at = DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            holders = e.Holders,
            verdicts = e.Verdicts.Select(VerdictJson),
            actions = done.Select(r => new { kind = r.Kind, target = r.Target, status = r.Status.ToString().ToLowerInvariant(), message = r.Message }),
        }, Json);

    private static object VerdictJson(PolicyVerdict v) => new
    {
        rule = v.Index,
        kind = v.Kind,
        text = v.Text,
        status = v.Status.ToString().ToLowerInvariant(),
        compared = v.Compared,
        reads = v.Reads.ToDictionary(r => r.Expression, r => r.Value),
        message = v.Message,
        group = v.Group,
        approver = v.Approval?.Approver,
        approved_at = v.Approval is { } a ? Time(a.At) : null,
    };

    private static IEnumerable<PlanAction> Ordered(IEnumerable<PlanAction> actions) =>
        actions.OrderBy(a => a.Kind switch { "alias" => 0, "tag" => 1, _ => 2 });

    private static string Target(PlanAction a) => a.Kind switch { "alias" => "@" + a.Alias, "tag" => TagText(a), _ => a.Url ?? "" };

    private static string TagText(PlanAction a) => "{" + string.Join(", ", a.Tags.Select(t => $"{t.Key}: \"{t.Value}\"")) + "}";

    private static string Holder(IReadOnlyDictionary<string, int?> holders, string alias) =>
        holders.GetValueOrDefault(alias) is { } v ? $"version {v}" : "unset";

    public static string OutcomeName(PolicyOutcome outcome) => outcome switch
    {
        PolicyOutcome.Passed => PromotionStates.Passed,
        PolicyOutcome.Failed => PromotionStates.Failed,
        PolicyOutcome.Pending => PromotionStates.Pending,
        _ => PromotionStates.Conflict,
    };

    private static string Summarize(PolicyEvaluation e)
    {
        var prefix = e.DryRun ? "dry run: " : "";
        var head = $"{prefix}policy '{e.Policy}' for {e.Model} v{e.Version}: ";
        return e.Outcome switch
        {
            PolicyOutcome.Passed => head + "passed" + (e.DryRun ? "; nothing was changed" : ""),
            PolicyOutcome.Failed => head + $"failed ({e.Verdicts.Count(v => v.Status == VerdictStatus.Failed)} of {e.Verdicts.Count} rule(s))" + (e.DryRun ? "; nothing was changed" : ""),
            PolicyOutcome.Pending => head + $"rules pass, waiting for approval from {Quoted(e.PendingGroups)}: mlpc approve {e.Model} --version {e.Version} --policy {e.Policy}",
            _ => head + "not promoted: " + string.Join("; ", e.Actions.Where(a => a.Status == ActionStatus.Conflict).Select(a => a.Message)),
        };
    }

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
