using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MLOps.Plan;
using MLOps.Runtime.Policies;
using MLOps.Tracking.Registry;
using static MLOps.Runtime.Tests.Policies.PolicyFixture;

namespace MLOps.Runtime.Tests.Policies;

/// <summary>Outcomes and their actions: alias CAS, tags, webhooks, dry runs, audit, the hook after register.</summary>
public sealed class PolicyEngineTests : IAsyncLifetime
{
    private readonly PolicyFixture _f = new();

    private static readonly PlanPolicy BeatChampion = Policy(
        $"[{Require(Op(">=", M("candidate", "metrics", "auc"), C("0.85")), "needs AUC 0.85", "candidate.metrics.auc >= 0.85")}, " +
        $"{Require(Op(">", M("candidate", "metrics", "auc"), M("@champion", "metrics", "auc")), "must beat the champion", "candidate.metrics.auc > champion.metrics.auc")}]",
        onPassJson: $$$"""[{{{AliasAction("champion")}}}, {"kind": "tag", "tags": {"stage": "prod"}}]""",
        onFailJson: $$$"""[{{{AliasAction("challenger")}}}, {"kind": "tag", "tags": {"stage": "rejected"}}]""",
        readsAliases: """["champion"]""");

    public async Task InitializeAsync()
    {
        await _f.RegisterAsync("""{"auc": 0.90}""");
        await _f.RegisterAsync("""{"auc": 0.93}""");
        await _f.RegisterAsync("""{"auc": 0.80}""");
        await _f.SetAliasAsync("champion", 1);
    }

    public async Task DisposeAsync() => await _f.DisposeAsync();

    [Fact]
    public async Task A_passing_policy_moves_the_alias_by_cas_tags_the_version_and_records_the_evaluation()
    {
        var engine = new PolicyEngine(_f.Registry);
        var result = await engine.EvaluateAsync(BeatChampion, 2, new PromotionOptions { Actor = "alice" });
        Assert.Equal(PolicyOutcome.Passed, result.Outcome);
        Assert.Equal(["alias @champion Applied", "tag {stage: \"prod\"} Applied"], result.Actions.Select(a => $"{a.Kind} {a.Target} {a.Status}"));
        Assert.Equal(2, (await _f.Registry.ResolveAliasAsync("churn", "champion"))!.Version);
        Assert.Equal("prod", (await _f.Registry.GetVersionAsync("churn", 2))!.Tags["stage"]);
        var history = await _f.Registry.GetAliasHistoryAsync("churn", "champion");
        Assert.Equal((1, 2, "alice", "policy gate passed"), (history[^1].FromVersion, history[^1].ToVersion!.Value, history[^1].Actor, history[^1].Reason));

        var audit = (await _f.Registry.GetAuditAsync("churn")).Single(e => e.Kind == "policy.evaluate");
        Assert.Equal(("gate", 2, "passed", "alice"), (audit.Policy!, audit.Version!.Value, audit.Outcome!, audit.Actor!));
        Assert.Equal(result.AuditId, audit.Id);
        using var verdicts = JsonDocument.Parse(audit.VerdictsJson!);
        Assert.Equal(2, verdicts.RootElement.GetArrayLength());
        Assert.Equal("0.93 > 0.9", verdicts.RootElement[1].GetProperty("compared").GetString());
        Assert.Equal("passed", verdicts.RootElement[1].GetProperty("status").GetString());
        using var details = JsonDocument.Parse(audit.DetailsJson!);
        Assert.False(details.RootElement.GetProperty("dry_run").GetBoolean());
        Assert.Equal(1, details.RootElement.GetProperty("holders").GetProperty("champion").GetInt32());

        var promotion = await _f.Registry.GetPromotionAsync("churn", 2, "gate");
        Assert.Equal(PromotionStates.Passed, promotion!.State);
        Assert.Equal(audit.Id, promotion.AuditId);
    }

    [Fact]
    public async Task A_failing_policy_runs_the_on_fail_actions_and_says_which_rules_failed()
    {
        var result = await new PolicyEngine(_f.Registry).EvaluateAsync(BeatChampion, 3);
        Assert.Equal(PolicyOutcome.Failed, result.Outcome);
        Assert.Equal(["needs AUC 0.85", "must beat the champion"], result.Verdicts.Select(v => v.Message));
        Assert.Equal(1, (await _f.Registry.ResolveAliasAsync("churn", "champion"))!.Version);
        Assert.Equal(3, (await _f.Registry.ResolveAliasAsync("churn", "challenger"))!.Version);
        Assert.Equal("rejected", (await _f.Registry.GetVersionAsync("churn", 3))!.Tags["stage"]);
        Assert.Contains("failed (2 of 2 rule(s))", result.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dry_run_changes_nothing_but_is_recorded_in_the_audit_as_a_dry_run()
    {
        var before = await SnapshotAsync();
        var auditBefore = (await _f.Registry.GetAuditAsync("churn")).Count;
        var result = await new PolicyEngine(_f.Registry).EvaluateAsync(BeatChampion, 2, new PromotionOptions { DryRun = true });
        Assert.Equal(PolicyOutcome.Passed, result.Outcome);
        Assert.All(result.Actions, a => Assert.Equal(ActionStatus.Planned, a.Status));
        Assert.Equal("would move @champion from version 1 to version 2", result.Actions[0].Message);
        Assert.Equal(before, await SnapshotAsync());
        Assert.Null(await _f.Registry.GetPromotionAsync("churn", 2, "gate"));
        var audit = await _f.Registry.GetAuditAsync("churn");
        Assert.Equal(auditBefore + 1, audit.Count);
        using var details = JsonDocument.Parse(audit[^1].DetailsJson!);
        Assert.True(details.RootElement.GetProperty("dry_run").GetBoolean());
    }

    private async Task<string> SnapshotAsync()
    {
        var versions = await _f.Registry.ListVersionsAsync("churn");
        var history = await _f.Registry.GetAliasHistoryAsync("churn");
        return JsonSerializer.Serialize(new { versions = versions.Select(v => new { v.Version, v.Tags, v.Aliases }), history = history.Select(h => h.Sequence) });
    }

    [Fact]
    public async Task A_concurrent_move_between_evaluation_and_cas_fails_safely_naming_the_new_holder()
    {
        // The registry seen by the engine lets someone else move @champion to v3 right before our move.
        var sneaky = RegistryInterceptor.Create(_f.Registry, async change =>
        {
            if (change.Alias == "champion" && change.NewVersion == 2)
            {
                await _f.SetAliasAsync("champion", 3);
            }
        });
        var result = await new PolicyEngine(sneaky).EvaluateAsync(BeatChampion, 2);
        Assert.Equal(PolicyOutcome.Conflict, result.Outcome);
        Assert.Equal([ActionStatus.Conflict, ActionStatus.Skipped], result.Actions.Select(a => a.Status));
        Assert.Contains("@champion now holds version 3, but it held version 1 when the rules were evaluated; nothing was overwritten", result.Actions[0].Message, StringComparison.Ordinal);
        Assert.Equal(3, (await _f.Registry.ResolveAliasAsync("churn", "champion"))!.Version);
        Assert.False((await _f.Registry.GetVersionAsync("churn", 2))!.Tags.ContainsKey("stage"));
        Assert.Equal(PromotionStates.Conflict, (await _f.Registry.GetPromotionAsync("churn", 2, "gate"))!.State);
        Assert.Equal("conflict", (await _f.Registry.GetAuditAsync("churn")).Last(e => e.Kind == "policy.evaluate").Outcome);
    }

    [Fact]
    public async Task A_conflict_on_a_later_alias_moves_the_earlier_ones_back()
    {
        var policy = Policy("[]", onPassJson: $"[{AliasAction("champion")}, {AliasAction("prod")}]");
        await _f.SetAliasAsync("prod", 1);
        var sneaky = RegistryInterceptor.Create(_f.Registry, async change =>
        {
            if (change.Alias == "prod" && change.NewVersion == 2)
            {
                await _f.SetAliasAsync("prod", 3);
            }
        });
        var result = await new PolicyEngine(sneaky).EvaluateAsync(policy, 2);
        Assert.Equal(PolicyOutcome.Conflict, result.Outcome);
        Assert.Equal([ActionStatus.RolledBack, ActionStatus.Conflict], result.Actions.Select(a => a.Status));
        Assert.Equal(1, (await _f.Registry.ResolveAliasAsync("churn", "champion"))!.Version);
        Assert.Equal(3, (await _f.Registry.ResolveAliasAsync("churn", "prod"))!.Version);
        var history = await _f.Registry.GetAliasHistoryAsync("churn", "champion");
        Assert.Equal([(1, 2), (2, 1)], history.Skip(1).Select(h => (h.FromVersion!.Value, h.ToVersion!.Value)));
    }

    [Fact]
    public async Task Racing_promotions_through_separate_connections_let_exactly_one_win()
    {
        // Four promoters, each with its own connection (as separate processes have), all read
        // @champion = v1 and then move at once: compare-and-swap lets one through.
        for (var i = 0; i < 2; i++)
        {
            await _f.RegisterAsync("""{"auc": 0.95}""");
        }

        var policy = Policy($"[{Require(Op(">=", M("candidate", "metrics", "auc"), C("0.85")))}]", onPassJson: $"[{AliasAction("champion")}]");
        var candidates = new[] { 2, 4, 5 };
        using var barrier = new Barrier(candidates.Length);
        var registries = candidates.Select(_ => _f.OpenAnother()).ToList();
        try
        {
            var results = await Task.WhenAll(candidates.Select((version, i) => Task.Run(() =>
                new PolicyEngine(RegistryInterceptor.Create(registries[i], _ => Task.Run(() => barrier.SignalAndWait(TimeSpan.FromSeconds(30)))))
                    .EvaluateAsync(policy, version, new PromotionOptions { Actor = "promoter-" + version }))));
            var winner = Assert.Single(results, r => r.Outcome == PolicyOutcome.Passed);
            Assert.All(results.Where(r => r != winner), r =>
            {
                Assert.Equal(PolicyOutcome.Conflict, r.Outcome);
                Assert.Contains($"@champion now holds version {winner.Version}", r.Actions[0].Message, StringComparison.Ordinal);
            });
            Assert.Equal(winner.Version, (await _f.Registry.ResolveAliasAsync("churn", "champion"))!.Version);
            var history = await _f.Registry.GetAliasHistoryAsync("churn");
            Assert.Equal(Enumerable.Range(1, history.Count).Select(i => (long)i), history.Select(h => h.Sequence));
            Assert.Equal((1, winner.Version), (history[^1].FromVersion!.Value, history[^1].ToVersion!.Value));
        }
        finally
        {
            foreach (var r in registries)
            {
                await r.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task The_webhook_is_posted_with_an_hmac_sha256_signature_the_listener_verifies()
    {
        using var listener = new WebhookListener();
        var policy = Policy($"[{Require(Op(">=", M("candidate", "metrics", "auc"), C("0.85")))}]",
            onPassJson: $$"""[{"kind": "notify", "url": "{{listener.Url}}", "secret_env": "HOOK_SECRET"}, {{AliasAction("champion")}}]""");
        var env = new Dictionary<string, string> { ["HOOK_SECRET"] = "s3cret" };
        var result = await new PolicyEngine(_f.Registry).EvaluateAsync(policy, 2, new PromotionOptions { Environment = env.GetValueOrDefault, Actor = "alice" });
        Assert.Equal(["alias Applied", "notify Applied"], result.Actions.Select(a => $"{a.Kind} {a.Status}"));

        var request = Assert.Single(listener.Requests);
        Assert.Equal("POST", request.Method);
        Assert.StartsWith("application/json", request.ContentType, StringComparison.Ordinal);
        var expected = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes("s3cret"), Encoding.UTF8.GetBytes(request.Body)));
        Assert.Equal(expected, request.Signature);
        using var body = JsonDocument.Parse(request.Body);
        Assert.Equal(("churn", 2, "gate", "passed"), (body.RootElement.GetProperty("model").GetString()!, body.RootElement.GetProperty("version").GetInt32(),
            body.RootElement.GetProperty("policy").GetString()!, body.RootElement.GetProperty("outcome").GetString()!));
        Assert.Equal("passed", body.RootElement.GetProperty("verdicts")[0].GetProperty("status").GetString());
        Assert.Equal("applied", body.RootElement.GetProperty("actions")[0].GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_missing_secret_sends_nothing_and_a_slow_or_failing_receiver_fails_the_action_with_a_reason()
    {
        // The timeout is generous enough that a busy machine still answers the 500 in time.
        using var slow = new WebhookListener(delay: TimeSpan.FromSeconds(6));
        using var failing = new WebhookListener(status: 500);
        var policy = Policy("[]", onPassJson: $$"""
            [{"kind": "notify", "url": "{{failing.Url}}", "secret_env": "UNSET_SECRET"},
             {"kind": "notify", "url": "{{slow.Url}}"},
             {"kind": "notify", "url": "{{failing.Url}}"}]
            """);
        using var notifier = new HmacWebhookNotifier(TimeSpan.FromSeconds(3));
        var result = await new PolicyEngine(_f.Registry, notifier).EvaluateAsync(policy, 2, new PromotionOptions { Environment = _ => null });
        Assert.Equal(PolicyOutcome.Passed, result.Outcome);
        Assert.Equal("the environment variable UNSET_SECRET (the webhook secret) is not set: nothing was sent unsigned", result.Actions[0].Message);
        Assert.Equal($"notify {slow.Url} timed out after 3s", result.Actions[1].Message);
        Assert.Equal($"notify {failing.Url} answered 500 Internal Server Error", result.Actions[2].Message);
        Assert.All(result.Actions, a => Assert.Equal(ActionStatus.Failed, a.Status));
        var unsigned = Assert.Single(failing.Requests);
        Assert.Null(unsigned.Signature);
    }

    [Fact]
    public async Task The_scheduler_hook_reports_the_outcome_in_one_line()
    {
        var plan = new ExecutionPlan { Source = new PlanSource("churn.mlp", "sha256:abc"), Pipeline = "train", Policies = [BeatChampion] };
        var version = (await _f.Registry.GetVersionAsync("churn", 2))!;
        var line = await new PolicyRegistrationHook(_f.Registry).AfterRegisterAsync(plan, version, CancellationToken.None);
        Assert.Equal("policy 'gate' for churn v2: passed, @champion → v2", line);
        Assert.Null(await new PolicyRegistrationHook(_f.Registry).AfterRegisterAsync(plan with { Policies = [] }, version, CancellationToken.None));
    }

    [Fact]
    public async Task After_register_the_plans_policies_for_the_model_are_stored_and_evaluated()
    {
        var other = Policy("[]", name: "other_gate", model: "fraud");
        var plan = new ExecutionPlan { Source = new PlanSource("churn.mlp", "sha256:abc"), Pipeline = "train", Policies = [BeatChampion, other] };
        var results = await new PolicyEngine(_f.Registry).RunAfterRegisterAsync(plan, "churn", 2, new PromotionOptions { RunId = "run-7" });
        var result = Assert.Single(results);
        Assert.Equal(PolicyOutcome.Passed, result.Outcome);
        var stored = Assert.Single(await _f.Registry.GetPoliciesAsync("churn"));
        Assert.Equal(("gate", "sha256:abc"), (stored.Name, stored.SourceDigest!));
        Assert.Equal(PlanJson.WritePolicy(BeatChampion), PlanJson.WritePolicy(Assert.Single(await new PolicyEngine(_f.Registry).GetStoredPoliciesAsync("churn"))));
        using var details = JsonDocument.Parse((await _f.Registry.GetAuditAsync("churn")).Last(e => e.Kind == "policy.evaluate").DetailsJson!);
        Assert.Equal(("register", "run-7"), (details.RootElement.GetProperty("trigger").GetString()!, details.RootElement.GetProperty("run_id").GetString()!));
    }
}
