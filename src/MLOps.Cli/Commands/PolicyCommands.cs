using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using MLOps.Language.Diagnostics;
using MLOps.Language.Lowering;
using MLOps.Plan;
using MLOps.Runtime.Policies;
using MLOps.Tracking;
using MLOps.Tracking.Registry;
using static MLOps.Cli.Commands.TrackingCommandContext;

namespace MLOps.Cli.Commands;

/// <summary>
/// <c>mlpc promote</c> (evaluate a policy for a version, or <c>--status</c>) and
/// <c>mlpc approve</c>. Policies come from the registry (stored when a run registers the
/// model), from a source file, or from a plan. Exit codes: 0 passed, 1 rules failed or approval
/// refused, 2 bad usage, 3 alias conflict (as <c>mlpc models alias</c>), 4 not found,
/// 5 waiting for approval.
/// </summary>
public static class PolicyCommands
{
    public const int ExitPending = 5;

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static Command Promote(TrackingCommandContext ctx)
    {
        var targets = new Argument<string[]>("target")
        {
            Description = "[FILE.mlp] MODEL: the model whose version is judged; with a source file, its policies are used instead of the stored ones",
            Arity = new ArgumentArity(0, 2),
        };
        var version = new Option<int?>("--version") { Description = "The candidate version" };
        var policy = new Option<string?>("--policy", "-p") { Description = "The policy to evaluate (needed when the model has several)" };
        var plan = new Option<string?>("--plan") { Description = "Take the policy from this plan (mlpc build -o plan.json)" };
        var dryRun = new Option<bool>("--dry-run") { Description = "Judge the rules and show what would be done; change nothing (the evaluation is still audited, marked as a dry run)" };
        var actor = new Option<string?>("--as") { Description = "Who promotes (default $MLPC_USER, else $USER)" };
        var status = new Option<bool>("--status") { Description = "List promotions waiting for approval (of MODEL, or of every model)" };
        var all = new Option<bool>("--all") { Description = "With --status: every promotion, not only pending ones" };
        var format = new Option<string>("--format") { Description = "text or json", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        var command = new Command("promote", """
            Evaluate a model's promotion policy against a candidate version and the current alias holders.
            Prints every rule with the values it compared and pass or fail; on pass (and once every
            approval is given) the on-pass actions run: alias moves by compare-and-swap, tags, webhooks.

            Exit codes: 0 passed, 1 a rule failed, 2 bad usage, 3 an alias moved concurrently
            (nothing was overwritten), 4 not found, 5 waiting for approval.

            Examples:
              mlpc promote fraud --version 7 --dry-run
              mlpc promote fraud --version 7 --policy promote_fraud
              mlpc promote examples/fraud/fraud.mlp fraud --version 7
              mlpc promote fraud --version 7 --plan plan.json
              mlpc promote --status
            """)
        { targets, version, policy, plan, dryRun, actor, status, all, format, ctx.StoreOption };
        command.SetAction((result, ct) => ctx.WithStoresAsync(result, async stores =>
        {
            var args = result.GetValue(targets) ?? [];
            if (result.GetValue(status))
            {
                if (args.Length > 1)
                {
                    return Usage(ctx, "--status takes at most a MODEL");
                }

                WritePromotions(ctx, await stores.Registry.ListPromotionsAsync(args.FirstOrDefault(), result.GetValue(all) ? null : PromotionStates.Pending, ct), args.FirstOrDefault());
                return ExitOk;
            }

            var (file, model) = args.Length switch
            {
                2 => (args[0], args[1]),
                1 => ((string?)null, args[0]),
                _ => (null, ""),
            };
            if (model.Length == 0 || result.GetValue(version) is not { } v)
            {
                return Usage(ctx, "give MODEL and --version V (or --status); see mlpc promote --help");
            }

            if (file is not null && result.GetValue(plan) is not null)
            {
                return Usage(ctx, "give either FILE.mlp or --plan, not both");
            }

            var engine = new PolicyEngine(stores.Registry);
            var chosen = await ChoosePolicyAsync(ctx, engine, model, result.GetValue(policy), file, result.GetValue(plan), ct);
            if (chosen is null)
            {
                return ExitUsage;
            }

            var evaluation = await engine.EvaluateAsync(chosen, v, new PromotionOptions
            {
                DryRun = result.GetValue(dryRun),
                Actor = Identity(ctx, result.GetValue(actor)),
                Environment = ctx.Environment,
            }, ct);
            return Report(ctx, evaluation, result.GetValue(format)!);
        }));
        return command;
    }

    public static Command Approve(TrackingCommandContext ctx)
    {
        var model = new Argument<string>("model") { Description = "The model" };
        var version = new Option<int>("--version") { Description = "The version to approve", Required = true };
        var policy = new Option<string?>("--policy", "-p") { Description = "The policy (needed when several wait for approval)" };
        var group = new Option<string?>("--group", "-g") { Description = "Approve for this group only (default: every group of the policy you belong to)" };
        var actor = new Option<string?>("--as") { Description = "Who approves (default $MLPC_USER, else $USER); must be a member of the group" };
        var approvers = new Option<string?>("--approvers") { Description = $"The approvers file (default ${ApproverDirectory.EnvironmentVariable}, else {ApproverDirectory.FileName} beside the tracking database)" };
        var format = new Option<string>("--format") { Description = "text or json", DefaultValueFactory = _ => "text" };
        format.AcceptOnlyFromAmong("text", "json");
        var command = new Command("approve", """
            Approve a version waiting on `require approval from "group"`, as a member of that group.
            The approver and the time are recorded; the policy is then evaluated again, and when
            every rule passes and every approval is given its on-pass actions run.

            Groups come from a JSON file: {"groups": {"ml-leads": ["alice", "bob"]}}, found at
            --approvers, else $MLPC_APPROVERS, else approvers.json beside the tracking database
            (.mlp/approvers.json by default).

            Exit codes: 0 passed, 1 refused (not a member) or a rule failed, 2 bad usage,
            3 an alias moved concurrently, 4 not found, 5 still waiting for another group.

            Examples:
              mlpc approve fraud --version 7
              mlpc approve fraud --version 7 --policy promote_fraud --as alice
              MLPC_APPROVERS=/etc/mlpc/approvers.json mlpc approve fraud --version 7 --group risk-reviewers
            """)
        { model, version, policy, group, actor, approvers, format, ctx.StoreOption };
        command.SetAction((result, ct) => ctx.WithStoresAsync(result, async stores =>
        {
            var name = result.GetValue(model)!;
            var v = result.GetValue(version);
            var engine = new PolicyEngine(stores.Registry);
            var chosen = await ChooseApprovalPolicyAsync(ctx, stores.Registry, engine, name, v, result.GetValue(policy), ct);
            if (chosen is null)
            {
                return ExitUsage;
            }

            try
            {
                var directory = ApproverDirectory.Load(ApproversPath(ctx, result, result.GetValue(approvers)));
                var who = Identity(ctx, result.GetValue(actor));
                var outcome = await engine.ApproveAsync(chosen, v, who, directory, result.GetValue(group), new PromotionOptions { Environment = ctx.Environment }, ct);
                if (result.GetValue(format) != "json")
                {
                    foreach (var a in outcome.Approvals)
                    {
                        ctx.Out.WriteLine(a.Created
                            ? $"approved {name} v{v} for '{a.Approval.Group}' as {a.Approval.Approver} at {Time(a.Approval.At)}"
                            : $"'{a.Approval.Group}' had already approved {name} v{v}: {a.Approval.Approver} at {Time(a.Approval.At)}");
                    }
                }

                return Report(ctx, outcome.Evaluation, result.GetValue(format)!);
            }
            catch (AlreadyPromotedException e)
            {
                ctx.Out.WriteLine(e.Message);
                return ExitOk;
            }
            catch (ApprovalRefusedException e)
            {
                ctx.Error.WriteLine("error: " + e.Message);
                return ExitError;
            }
            catch (PolicyConfigException e)
            {
                return Usage(ctx, e.Message);
            }
        }));
        return command;
    }

    /// <summary>The pending (or all) promotions as a table; <c>mlpc models show</c> uses it too.</summary>
    internal static void WritePromotions(TrackingCommandContext ctx, IReadOnlyList<PromotionRecord> promotions, string? model)
    {
        ctx.WriteTable(["model", "version", "policy", "state", "waiting for", "updated", "by"],
            promotions.Select(p => (IReadOnlyList<string>)[p.Model, p.Version.ToString(CultureInfo.InvariantCulture), p.Policy, p.State,
                p.PendingGroups.Count == 0 ? "-" : string.Join(", ", p.PendingGroups), Time(p.UpdatedAt), p.UpdatedBy ?? "-"]),
            model is null ? "promotions" : $"promotions of {model}");
    }

    private static async Task<PlanPolicy?> ChoosePolicyAsync(TrackingCommandContext ctx, PolicyEngine engine, string model, string? name, string? file, string? planPath, CancellationToken ct)
    {
        IReadOnlyList<PlanPolicy> policies;
        string where;
        if (file is not null)
        {
            if (LoadFromSource(ctx, file) is not { } fromSource)
            {
                return null;
            }

            (policies, where) = (fromSource, file);
        }
        else if (planPath is not null)
        {
            try
            {
                (policies, where) = (PlanJsonReader.Read(await File.ReadAllTextAsync(planPath, ct)).Policies, planPath);
            }
            catch (Exception e) when (e is PlanFormatException or IOException)
            {
                ctx.Error.WriteLine($"error: {planPath}: {e.Message}");
                return null;
            }
        }
        else
        {
            (policies, where) = (await engine.GetStoredPoliciesAsync(model, ct), "the registry");
        }

        return Pick(ctx, policies.Where(p => p.Model == model).ToList(), model, name, where);
    }

    private static PlanPolicy? Pick(TrackingCommandContext ctx, IReadOnlyList<PlanPolicy> policies, string model, string? name, string where)
    {
        if (name is not null)
        {
            var named = policies.FirstOrDefault(p => p.Name == name);
            if (named is null)
            {
                ctx.Error.WriteLine($"error: no policy '{name}' for model '{model}' in {where}" + (policies.Count > 0 ? $" (there is: {string.Join(", ", policies.Select(p => p.Name))})" : ""));
            }

            return named;
        }

        switch (policies.Count)
        {
            case 1:
                return policies[0];
            case 0:
                ctx.Error.WriteLine($"error: no policy for model '{model}' in {where}: a run that registers the model stores its policies; or pass FILE.mlp or --plan plan.json");
                return null;
            default:
                ctx.Error.WriteLine($"error: model '{model}' has {policies.Count} policies in {where} ({string.Join(", ", policies.Select(p => p.Name))}): choose one with --policy");
                return null;
        }
    }

    /// <summary>Compiles the file and takes every policy of the program (they are in any pipeline's plan).</summary>
    private static IReadOnlyList<PlanPolicy>? LoadFromSource(TrackingCommandContext ctx, string file)
    {
        if (!CompilerCommands.TryCompile(file, out var compilation))
        {
            return null;
        }

        var built = PlanBuilder.Build(compilation!, new BuildOptions());
        if (built.Plan is null)
        {
            ctx.Error.Write(DiagnosticFormatter.Format(built.Diagnostics));
            ctx.Error.WriteLine($"error: {file} does not build, so its policies cannot be used");
            return null;
        }

        return built.Plan.Policies;
    }

    /// <summary>The policy a pending promotion was judged with, else the stored one that asks for approvals.</summary>
    private static async Task<PlanPolicy?> ChooseApprovalPolicyAsync(TrackingCommandContext ctx, IModelRegistry registry, PolicyEngine engine, string model, int version, string? name, CancellationToken ct)
    {
        if (await registry.GetVersionAsync(model, version, ct) is null)
        {
            throw new TrackingNotFoundException($"model '{model}' has no version {version}");
        }

        var pending = (await registry.ListPromotionsAsync(model, PromotionStates.Pending, ct)).Where(p => p.Version == version && (name is null || p.Policy == name)).ToList();
        if (pending.Count == 1)
        {
            return PlanJsonReader.ReadPolicy(pending[0].PolicyJson);
        }

        var stored = (await engine.GetStoredPoliciesAsync(model, ct)).Where(p => p.Rules.Any(r => r.Kind == "approval")).ToList();
        if (pending.Count > 1)
        {
            ctx.Error.WriteLine($"error: {model} v{version} waits for approval under {pending.Count} policies ({string.Join(", ", pending.Select(p => p.Policy))}): choose one with --policy");
            return null;
        }

        return Pick(ctx, stored, model, name, "the registry (policies that ask for approval)");
    }

    private static string ApproversPath(TrackingCommandContext ctx, ParseResult result, string? explicitPath)
    {
        if ((explicitPath ?? ctx.Environment(ApproverDirectory.EnvironmentVariable)) is { Length: > 0 } path)
        {
            return Path.GetFullPath(path, ctx.WorkingDirectory);
        }

        var location = TrackingStoreLocation.Parse(ctx.StoreUri(result), ctx.WorkingDirectory);
        return location.DatabasePath is { } db
            ? Path.Combine(Path.GetDirectoryName(db)!, ApproverDirectory.FileName)
            : throw new PolicyConfigException($"the store {location.Uri} is not a local file: give the approvers file with --approvers or ${ApproverDirectory.EnvironmentVariable}");
    }

    private static string Identity(TrackingCommandContext ctx, string? explicitName) => ApproverDirectory.Identity(explicitName, ctx.Environment);

    private static int Report(TrackingCommandContext ctx, PolicyEvaluation e, string format)
    {
        if (format == "json")
        {
            ctx.Out.WriteLine(JsonSerializer.Serialize(e, Json));
        }
        else
        {
            ctx.WriteTable(["#", "rule", "compared", "values", "result", "message"],
                e.Verdicts.Select(v => (IReadOnlyList<string>)[v.Index.ToString(CultureInfo.InvariantCulture), v.Text, v.Compared,
                    string.Join("; ", v.Reads.Select(r => $"{r.Expression} = {r.Value}")), Result(v.Status), v.Message ?? ""]),
                $"policy {e.Policy} for {e.Model} v{e.Version}{(e.DryRun ? " (dry run)" : "")}");
            if (e.Actions.Count > 0)
            {
                ctx.WriteTable(["action", "target", "result", "message"],
                    e.Actions.Select(a => (IReadOnlyList<string>)[a.Kind, a.Target, a.Status.ToString().ToLowerInvariant(), a.Message]), "actions");
            }

            (e.Outcome is PolicyOutcome.Conflict ? ctx.Error : ctx.Out).WriteLine((e.Outcome is PolicyOutcome.Conflict ? "error: " : "") + e.Summary);
            foreach (var failed in e.Actions.Where(a => a.Status == ActionStatus.Failed))
            {
                ctx.Error.WriteLine($"warning: {failed.Kind} action failed: {failed.Message}");
            }
        }

        return e.Outcome switch
        {
            PolicyOutcome.Passed => ExitOk,
            PolicyOutcome.Failed => ExitError,
            PolicyOutcome.Pending => ExitPending,
            _ => ExitConflict,
        };
    }

    private static string Result(VerdictStatus status) => status switch
    {
        VerdictStatus.Passed => "pass",
        VerdictStatus.Failed => "FAIL",
        _ => "pending",
    };

    private static int Usage(TrackingCommandContext ctx, string message)
    {
        ctx.Error.WriteLine("error: " + message);
        return ExitUsage;
    }
}
