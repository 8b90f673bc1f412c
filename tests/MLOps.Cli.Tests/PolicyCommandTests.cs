using MLOps.Plan;
using MLOps.Tracking;
using MLOps.Tracking.Registry;

namespace MLOps.Cli.Tests;

/// <summary>mlpc promote and mlpc approve, run as real processes against a store in a temp folder.</summary>
public sealed class PolicyCommandTests : IDisposable
{
    private const string Source = """
        type Metrics = { auc: float, loss: float }

        step fit() -> (model: Model, metrics: Metrics) {
          run = "fit ${out.model} ${out.metrics}"
        }

        pipeline train() {
          let f = fit()
          register f.model as "churn" with { metrics: f.metrics }
        }

        policy gate for model "churn" {
          require candidate.metrics.auc >= 0.85 else "needs AUC 0.85"
          require candidate.metrics.auc > champion.metrics.auc else "must beat the champion"
          on pass => alias @champion, tag { stage: "prod" }
          on fail => alias @challenger
        }

        policy reviewed for model "churn" {
          require candidate.metrics.loss < 0.5
          require approval from "ml-leads"
          on pass => alias @reviewed
        }
        """;

    private readonly string _dir = MlpcProcess.TempDir();

    public PolicyCommandTests()
    {
        File.WriteAllText(Path.Combine(_dir, "churn.mlp"), Source);
        File.WriteAllText(Path.Combine(_dir, ".approvers.json"), """{"groups": {"ml-leads": ["alice", "bob"]}}""");
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp folder must not fail a test.
        }
    }

    private TrackingStores Open() => TrackingStoreFactory.Open(Path.Combine(_dir, ".mlp") + "/");

    /// <summary>Registers versions with these AUCs (loss 0.3) and points @champion at version 1.</summary>
    private async Task SeedAsync(params double[] aucs)
    {
        await using var stores = Open();
        foreach (var auc in aucs)
        {
            await stores.Registry.RegisterAsync(new NewModelVersion
            {
                Model = "churn",
                ArtifactUri = "file:///m",
                ArtifactDigest = "sha256:" + new string('c', 64),
                MetricsJson = $$"""{"auc": {{auc.ToString(System.Globalization.CultureInfo.InvariantCulture)}}, "loss": 0.3}""",
            });
        }

        await stores.Registry.ChangeAliasAsync(new AliasChange { Model = "churn", Alias = "champion", ExpectedVersion = null, NewVersion = 1 });
    }

    private (int Code, string Out, string Err) Mlpc(params string[] args) =>
        MlpcProcess.Run(_dir, [.. args, "--store", Path.Combine(_dir, ".mlp") + "/"]);

    private async Task<int?> HolderAsync(string alias)
    {
        await using var stores = Open();
        return (await stores.Registry.ResolveAliasAsync("churn", alias))?.Version;
    }

    [Fact]
    public async Task Promote_from_source_prints_every_rule_with_the_values_compared_and_dry_run_changes_nothing()
    {
        await SeedAsync(0.90, 0.93);
        var (code, stdout, stderr) = Mlpc("promote", "churn.mlp", "churn", "--version", "2", "--policy", "gate", "--dry-run");
        Assert.True(code == 0, stderr);
        Assert.Contains("# policy gate for churn v2 (dry run)", stdout, StringComparison.Ordinal);
        Assert.Contains("1\tcandidate.metrics.auc >= 0.85\t0.93 >= 0.85\tcandidate(v2).metrics.auc = 0.93\tpass\t", stdout, StringComparison.Ordinal);
        Assert.Contains("2\tcandidate.metrics.auc > champion.metrics.auc\t0.93 > 0.9\tcandidate(v2).metrics.auc = 0.93; @champion(v1).metrics.auc = 0.9\tpass\t", stdout, StringComparison.Ordinal);
        Assert.Contains("alias\t@champion\tplanned\twould move @champion from version 1 to version 2", stdout, StringComparison.Ordinal);
        Assert.Equal(1, await HolderAsync("champion"));

        var several = Mlpc("promote", "churn.mlp", "churn", "--version", "2");
        Assert.Equal(2, several.Code);
        Assert.Contains("has 2 policies in churn.mlp (gate, reviewed): choose one with --policy", several.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Promote_with_a_plan_moves_the_alias_and_a_failing_version_exits_1_with_the_rule_messages()
    {
        await SeedAsync(0.90, 0.93, 0.80);
        Assert.Equal(0, MlpcProcess.Run(_dir, "build", "churn.mlp", "-o", "plan.json").ExitCode);
        var passed = Mlpc("promote", "churn", "--version", "2", "--plan", "plan.json", "--policy", "gate", "--as", "alice");
        Assert.True(passed.Code == 0, passed.Err);
        Assert.Contains("policy 'gate' for churn v2: passed", passed.Out, StringComparison.Ordinal);
        Assert.Equal(2, await HolderAsync("champion"));

        var failed = Mlpc("promote", "churn", "--version", "3", "--plan", "plan.json", "--policy", "gate");
        Assert.Equal(1, failed.Code);
        Assert.Contains("\tFAIL\tneeds AUC 0.85", failed.Out, StringComparison.Ordinal);
        Assert.Contains("\tFAIL\tmust beat the champion", failed.Out, StringComparison.Ordinal);
        Assert.Equal(3, await HolderAsync("challenger"));

        var history = Mlpc("models", "history", "churn", "--alias", "champion");
        Assert.Contains("\tchampion\t1\t2\talice\t", history.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stored_policies_are_found_without_a_source_and_missing_ones_are_explained()
    {
        await SeedAsync(0.90, 0.93);
        var none = Mlpc("promote", "churn", "--version", "2");
        Assert.Equal(2, none.Code);
        Assert.Contains("no policy for model 'churn' in the registry", none.Err, StringComparison.Ordinal);

        await StorePoliciesAsync();
        var (code, stdout, stderr) = Mlpc("promote", "churn", "--version", "2", "--policy", "gate", "--format", "json");
        Assert.True(code == 0, stderr);
        using var doc = System.Text.Json.JsonDocument.Parse(stdout);
        Assert.Equal("passed", doc.RootElement.GetProperty("outcome").GetString());
        Assert.Equal("0.93 >= 0.85", doc.RootElement.GetProperty("verdicts")[0].GetProperty("compared").GetString());
        Assert.Equal(4, Mlpc("promote", "churn", "--version", "9", "--policy", "gate").Code);
        Assert.Equal(2, Mlpc("promote", "churn").Code);
    }

    private async Task StorePoliciesAsync()
    {
        Assert.Equal(0, MlpcProcess.Run(_dir, "build", "churn.mlp", "-o", "plan.json").ExitCode);
        var plan = PlanJsonReader.Read(File.ReadAllText(Path.Combine(_dir, "plan.json")));
        await using var stores = Open();
        foreach (var policy in plan.Policies)
        {
            await stores.Registry.SavePolicyAsync(new StoredPolicy { Model = policy.Model, Name = policy.Name, PolicyJson = PlanJson.WritePolicy(policy), SourceDigest = plan.Source.Digest });
        }
    }

    [Fact]
    public async Task A_pending_promotion_shows_in_models_show_and_status_until_a_member_approves()
    {
        await SeedAsync(0.90, 0.93);
        await StorePoliciesAsync();
        var pending = Mlpc("promote", "churn", "--version", "2", "--policy", "reviewed");
        Assert.Equal(5, pending.Code);
        Assert.Contains("waiting for approval from 'ml-leads'", pending.Out, StringComparison.Ordinal);

        var show = Mlpc("models", "show", "churn");
        Assert.Contains("# promotions of churn, waiting for approval", show.Out, StringComparison.Ordinal);
        Assert.Contains("churn\t2\treviewed\tpending\tml-leads\t", show.Out, StringComparison.Ordinal);
        Assert.Contains("churn\t2\treviewed\tpending\tml-leads\t", Mlpc("promote", "--status").Out, StringComparison.Ordinal);

        var approvers = Path.Combine(_dir, ".approvers.json");
        var refused = Mlpc("approve", "churn", "--version", "2", "--as", "mallory", "--approvers", approvers);
        Assert.Equal(1, refused.Code);
        Assert.Contains("mallory is not a member of 'ml-leads' (members: ml-leads: alice, bob;", refused.Err, StringComparison.Ordinal);

        var approved = MlpcProcess.Run(_dir, ["approve", "churn", "--version", "2", "--store", Path.Combine(_dir, ".mlp") + "/"], new Dictionary<string, string> { ["MLPC_APPROVERS"] = approvers, ["MLPC_USER"] = "alice" });
        Assert.True(approved.ExitCode == 0, approved.Stderr + approved.Stdout);
        Assert.Contains("approved churn v2 for 'ml-leads' as alice at ", approved.Stdout, StringComparison.Ordinal);
        Assert.Contains("\tapproved by alice at ", approved.Stdout, StringComparison.Ordinal);
        Assert.Equal(2, await HolderAsync("reviewed"));

        var again = Mlpc("approve", "churn", "--version", "2", "--policy", "reviewed", "--as", "bob", "--approvers", approvers);
        Assert.Equal(0, again.Code);
        Assert.Contains("already passed policy 'reviewed'", again.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("waiting for approval", Mlpc("models", "show", "churn").Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Racing_promote_processes_never_overwrite_each_other()
    {
        await SeedAsync(0.90, 0.95, 0.96, 0.97, 0.98);
        await StorePoliciesAsync();
        var runs = await Task.WhenAll(Enumerable.Range(2, 4).Select(v => Task.Run(() =>
            (Version: v, Result: Mlpc("promote", "churn", "--version", v.ToString(System.Globalization.CultureInfo.InvariantCulture), "--policy", "gate")))));
        Assert.All(runs, r => Assert.True(r.Result.Code is 0 or 1 or 3, r.Result.Err));
        Assert.Contains(runs, r => r.Result.Code == 0);
        Assert.All(runs.Where(r => r.Result.Code == 3), r => Assert.Matches("conflict: @(champion|challenger) now holds version", r.Result.Err));

        await using var stores = Open();
        var history = await stores.Registry.GetAliasHistoryAsync("churn", "champion");
        // The sequence is per model (gap-free across aliases: a late promoter may fail and move @challenger).
        var all = await stores.Registry.GetAliasHistoryAsync("churn");
        Assert.Equal(Enumerable.Range(1, all.Count).Select(i => (long)i), all.Select(h => h.Sequence));
        for (var i = 1; i < history.Count; i++)
        {
            Assert.Equal(history[i - 1].ToVersion, history[i].FromVersion);
        }

        Assert.Equal(runs.Count(r => r.Result.Code == 0), history.Count - 1);
    }

    [Fact]
    public void Help_shows_examples_and_exit_codes()
    {
        var (code, stdout, _) = MlpcProcess.Run(_dir, "promote", "--help");
        Assert.Equal(0, code);
        Assert.Contains("mlpc promote fraud --version 7 --dry-run", stdout, StringComparison.Ordinal);
        Assert.Contains("5 waiting for approval", stdout, StringComparison.Ordinal);
        Assert.Contains("approvers.json", MlpcProcess.Run(_dir, "approve", "--help").Stdout, StringComparison.Ordinal);
    }
}
