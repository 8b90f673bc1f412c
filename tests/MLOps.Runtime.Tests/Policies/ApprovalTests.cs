using MLOps.Plan;
using MLOps.Runtime.Policies;
using MLOps.Tracking.Registry;
using static MLOps.Runtime.Tests.Policies.PolicyFixture;

namespace MLOps.Runtime.Tests.Policies;

public sealed class ApprovalTests : IAsyncLifetime
{
    private readonly PolicyFixture _f = new();

    private static readonly PlanPolicy Gated = Policy(
        $"[{Require(Op(">=", M("candidate", "metrics", "auc"), C("0.85")))}, {Approval("ml-leads")}, {Approval("risk")}]",
        onPassJson: $"[{AliasAction("champion")}]");

    private static readonly ApproverDirectory Directory = new(new Dictionary<string, string[]>
    {
        ["ml-leads"] = ["alice", "bob"],
        ["risk"] = ["carol"],
    }, "approvers.json");

    public async Task InitializeAsync()
    {
        await _f.RegisterAsync("""{"auc": 0.90}""");
        await _f.RegisterAsync("""{"auc": 0.50}""");
    }

    public async Task DisposeAsync() => await _f.DisposeAsync();

    [Fact]
    public async Task A_promotion_waits_for_every_group_then_the_last_approval_runs_the_on_pass_actions()
    {
        var engine = new PolicyEngine(_f.Registry);
        var first = await engine.EvaluateAsync(Gated, 1);
        Assert.Equal(PolicyOutcome.Pending, first.Outcome);
        Assert.Equal(["ml-leads", "risk"], first.PendingGroups);
        Assert.Empty(first.Actions);
        Assert.Null(await _f.Registry.ResolveAliasAsync("churn", "champion"));
        var pending = Assert.Single(await _f.Registry.ListPromotionsAsync("churn", PromotionStates.Pending));
        Assert.Equal((1, "gate"), (pending.Version, pending.Policy));
        Assert.Equal(["ml-leads", "risk"], pending.PendingGroups);

        var byAlice = await engine.ApproveAsync(Gated, 1, "alice", Directory);
        Assert.True(Assert.Single(byAlice.Approvals).Created);
        Assert.Equal(PolicyOutcome.Pending, byAlice.Evaluation.Outcome);
        Assert.Equal(["risk"], byAlice.Evaluation.PendingGroups);
        Assert.Equal("approved by alice at ", byAlice.Evaluation.Verdicts[1].Compared[..21]);

        var byCarol = await engine.ApproveAsync(Gated, 1, "carol", Directory);
        Assert.Equal(PolicyOutcome.Passed, byCarol.Evaluation.Outcome);
        Assert.Equal(1, (await _f.Registry.ResolveAliasAsync("churn", "champion"))!.Version);
        Assert.Equal("carol", (await _f.Registry.GetAliasHistoryAsync("churn", "champion"))[^1].Actor);
        Assert.Empty(await _f.Registry.ListPromotionsAsync("churn", PromotionStates.Pending));

        var approvals = await _f.Registry.ListApprovalsAsync("churn", 1, "gate");
        Assert.Equal([("ml-leads", "alice"), ("risk", "carol")], approvals.Select(a => (a.Group, a.Approver)));
        Assert.All(approvals, a => Assert.True(a.At > DateTimeOffset.UtcNow.AddMinutes(-5)));
        var audit = await _f.Registry.GetAuditAsync("churn");
        Assert.Equal(["alice", "carol"], audit.Where(e => e.Kind == "promotion.approve").Select(e => e.Actor));
        Assert.Equal(["pending", "pending", "passed"], audit.Where(e => e.Kind == "policy.evaluate").Select(e => e.Outcome));
    }

    [Fact]
    public async Task A_non_member_is_refused_with_the_group_named_and_nothing_is_recorded()
    {
        var engine = new PolicyEngine(_f.Registry);
        await engine.EvaluateAsync(Gated, 1);
        var error = await Assert.ThrowsAsync<ApprovalRefusedException>(() => engine.ApproveAsync(Gated, 1, "mallory", Directory));
        Assert.Equal("mallory is not a member of 'ml-leads' or 'risk' (members: ml-leads: alice, bob; risk: carol; from approvers.json): the approval is refused", error.Message);
        var wrongGroup = await Assert.ThrowsAsync<ApprovalRefusedException>(() => engine.ApproveAsync(Gated, 1, "alice", Directory, group: "risk"));
        Assert.StartsWith("alice is not a member of 'risk'", wrongGroup.Message, StringComparison.Ordinal);
        Assert.Empty(await _f.Registry.ListApprovalsAsync("churn", 1, "gate"));
    }

    [Fact]
    public async Task A_second_approval_for_the_same_group_keeps_the_first_approver()
    {
        var engine = new PolicyEngine(_f.Registry);
        await engine.ApproveAsync(Gated, 1, "alice", Directory);
        var again = await engine.ApproveAsync(Gated, 1, "bob", Directory);
        var approval = Assert.Single(again.Approvals);
        Assert.False(approval.Created);
        Assert.Equal("alice", approval.Approval.Approver);
        Assert.Equal(PolicyOutcome.Pending, again.Evaluation.Outcome);
    }

    [Fact]
    public async Task Approving_a_version_that_fails_its_rules_runs_the_on_fail_actions_not_the_on_pass_ones()
    {
        var engine = new PolicyEngine(_f.Registry);
        await engine.ApproveAsync(Gated, 2, "alice", Directory);
        var result = await engine.ApproveAsync(Gated, 2, "carol", Directory);
        Assert.Equal(PolicyOutcome.Failed, result.Evaluation.Outcome);
        Assert.Null(await _f.Registry.ResolveAliasAsync("churn", "champion"));
    }

    [Fact]
    public async Task An_already_promoted_version_or_a_policy_without_approvals_has_nothing_to_approve()
    {
        var engine = new PolicyEngine(_f.Registry);
        await engine.ApproveAsync(Gated, 1, "alice", Directory);
        await engine.ApproveAsync(Gated, 1, "carol", Directory);
        var done = await Assert.ThrowsAsync<AlreadyPromotedException>(() => engine.ApproveAsync(Gated, 1, "bob", Directory));
        Assert.Contains("already passed policy 'gate'", done.Message, StringComparison.Ordinal);
        var none = await Assert.ThrowsAsync<PolicyConfigException>(() => engine.ApproveAsync(Policy("[]"), 1, "alice", Directory));
        Assert.Equal("policy 'gate' needs no approval", none.Message);
    }

    [Fact]
    public async Task The_last_two_approvals_racing_move_the_alias_once()
    {
        var registries = new[] { _f.OpenAnother(), _f.OpenAnother() };
        try
        {
            var results = await Task.WhenAll(
                Task.Run(() => new PolicyEngine(registries[0]).ApproveAsync(Gated, 1, "alice", Directory)),
                Task.Run(() => new PolicyEngine(registries[1]).ApproveAsync(Gated, 1, "carol", Directory)));
            Assert.Contains(results, r => r.Evaluation.Outcome == PolicyOutcome.Passed);
            Assert.All(results, r => Assert.True(r.Evaluation.Outcome is PolicyOutcome.Passed or PolicyOutcome.Pending, r.Evaluation.Summary));
            var moves = (await _f.Registry.GetAliasHistoryAsync("churn", "champion")).Where(h => h.ToVersion == 1).ToList();
            Assert.Single(moves);
            Assert.Equal(PromotionStates.Passed, (await _f.Registry.GetPromotionAsync("churn", 1, "gate"))!.State);
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
    public void The_approvers_file_is_read_and_bad_files_are_explained()
    {
        var path = Path.Combine(_f.Folder, "approvers.json");
        File.WriteAllText(path, """{"groups": {"ml-leads": ["alice"]}}""");
        Assert.True(ApproverDirectory.Load(path).IsMember("ml-leads", "alice"));
        File.WriteAllText(path, """{"groups": {"ml-leads": "alice"}}""");
        Assert.Equal($"{path}: group 'ml-leads' must be a list of user names", Assert.Throws<PolicyConfigException>(() => ApproverDirectory.Load(path)).Message);
        Assert.StartsWith("no approvers file at", Assert.Throws<PolicyConfigException>(() => ApproverDirectory.Load(path + ".missing")).Message, StringComparison.Ordinal);
        var env = new Dictionary<string, string> { ["MLPC_USER"] = "bob", ["USER"] = "root" };
        Assert.Equal("carol", ApproverDirectory.Identity("carol", env.GetValueOrDefault));
        Assert.Equal("bob", ApproverDirectory.Identity(null, env.GetValueOrDefault));
        Assert.Equal("root", ApproverDirectory.Identity(null, new Dictionary<string, string> { ["USER"] = "root" }.GetValueOrDefault));
    }
}
