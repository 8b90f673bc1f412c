using MLOps.Runtime.Policies;
using static MLOps.Runtime.Tests.Policies.PolicyFixture;

namespace MLOps.Runtime.Tests.Policies;

/// <summary>Every kind of rule and operator, against a candidate (v2) and @champion (v1).</summary>
public sealed class PolicyRuleTests : IAsyncLifetime
{
    private readonly PolicyFixture _f = new();

    public async Task InitializeAsync()
    {
        await _f.RegisterAsync("""{"auc": 0.91, "epochs": 10, "big": 9007199254740993}""", new Dictionary<string, string> { ["team"] = "risk" });
        await _f.RegisterAsync("""{"auc": 0.93, "epochs": 12, "loss": 0.2, "big": 9007199254740993, "name": "gbm"}""", new Dictionary<string, string> { ["team"] = "risk", ["stage"] = "candidate" });
        await _f.SetAliasAsync("champion", 1);
    }

    public async Task DisposeAsync() => await _f.DisposeAsync();

    public static TheoryData<string, bool, string> Rules => new()
    {
        { Op(">=", M("candidate", "metrics", "auc"), C("0.85")), true, "0.93 >= 0.85" },
        { Op(">", M("candidate", "metrics", "auc"), Op("+", M("@champion", "metrics", "auc"), C("0.005"))), true, "0.93 > 0.915" },
        { Op(">", M("candidate", "metrics", "auc"), Op("+", M("@champion", "metrics", "auc"), C("0.05"))), false, "0.93 > 0.9600000000000001" },
        { Op("<", M("candidate", "metrics", "loss"), C("0.3")), true, "0.2 < 0.3" },
        { Op("<=", M("candidate", "metrics", "epochs"), C("12")), true, "12 <= 12" },
        { Op("==", M("candidate", "metrics", "epochs"), C("12.0")), true, "12 == 12" },
        { Op("!=", M("candidate", "metrics", "epochs"), M("@champion", "metrics", "epochs")), true, "12 != 10" },
        { Op(">", M("candidate", "version"), M("@champion", "version")), true, "2 > 1" },
        { Op("==", M("candidate", "tags", "team"), C("\"risk\"")), true, "\"risk\" == \"risk\"" },
        { Op("==", M("candidate", "metrics", "name"), C("\"lr\"")), false, "\"gbm\" == \"lr\"" },
        { Op("<", C("\"abc\""), C("\"abd\"")), true, "\"abc\" < \"abd\"" },
        { Op("in", C("\"stage\""), M("candidate", "tags")), true, "\"stage\" in {stage: \"candidate\", team: \"risk\"}" },
        { Op("not in", C("\"stage\""), M("@champion", "tags")), true, "\"stage\" not in {team: \"risk\"}" },
        { Op("in", M("candidate", "metrics", "epochs"), """{"list": [{"const": 5}, {"const": 12}]}"""), true, "12 in [5, 12]" },
        { Op("in", M("candidate", "tags", "team"), C("[\"growth\", \"ads\"]")), false, "\"risk\" in [\"growth\", \"ads\"]" },
        { Op("and", Op(">", M("candidate", "metrics", "auc"), C("0.9")), Op("<", M("candidate", "metrics", "loss"), C("0.1"))), false, "(0.93 > 0.9) and (0.2 < 0.1)" },
        { Op("or", Op(">", M("candidate", "metrics", "auc"), C("0.99")), Op("<", M("candidate", "metrics", "loss"), C("0.3"))), true, "(0.93 > 0.99) or (0.2 < 0.3)" },
        { Op("not", Op(">", M("candidate", "metrics", "auc"), C("0.99"))), true, "not (0.93 > 0.99)" },
        { Op("<", Op("neg", M("candidate", "metrics", "auc")), C("0")), true, "-0.93 < 0" },
        { Op("==", Op("%", M("candidate", "metrics", "epochs"), C("5")), C("2")), true, "2 == 2" },
        { Op("==", Op("/", M("candidate", "metrics", "epochs"), C("8")), C("1.5")), true, "1.5 == 1.5" },
        { Op("==", Op("*", M("candidate", "metrics", "epochs"), C("2")), C("24")), true, "24 == 24" },
        { Op("==", Op("-", M("candidate", "metrics", "epochs"), M("@champion", "metrics", "epochs")), C("2")), true, "2 == 2" },
        // 2^53 + 1 as an int is not equal to the float 2^53: no rounding through double.
        { Op("==", M("candidate", "metrics", "big"), C("9007199254740992.0")), false, "9007199254740993 == 9007199254740992" },
        { Op(">", M("candidate", "metrics", "big"), C("9007199254740992.0")), true, "9007199254740993 > 9007199254740992" },
    };

    [Theory]
    [MemberData(nameof(Rules))]
    public async Task Each_rule_kind_is_judged_with_the_values_it_compared(string condition, bool passes, string compared)
    {
        var engine = new PolicyEngine(_f.Registry);
        var policy = Policy($"[{Require(condition, "custom message")}]", readsAliases: """["champion"]""");
        var result = await engine.EvaluateAsync(policy, 2, new PromotionOptions { DryRun = true });
        var verdict = Assert.Single(result.Verdicts);
        Assert.Equal(passes ? VerdictStatus.Passed : VerdictStatus.Failed, verdict.Status);
        Assert.Equal(compared, verdict.Compared);
        Assert.Equal(passes ? null : "custom message", verdict.Message);
        Assert.Equal(passes ? PolicyOutcome.Passed : PolicyOutcome.Failed, result.Outcome);
    }

    [Fact]
    public async Task Verdicts_name_the_model_values_read_with_their_versions()
    {
        var engine = new PolicyEngine(_f.Registry);
        var policy = Policy($"[{Require(Op(">", M("candidate", "metrics", "auc"), M("@champion", "metrics", "auc")))}]", readsAliases: """["champion"]""");
        var verdict = Assert.Single((await engine.EvaluateAsync(policy, 2, new PromotionOptions { DryRun = true })).Verdicts);
        Assert.Equal(["candidate(v2).metrics.auc=0.93", "@champion(v1).metrics.auc=0.91"], verdict.Reads.Select(r => r.Expression + "=" + r.Value));
    }

    [Fact]
    public async Task A_missing_metric_fails_the_rule_naming_the_metric_and_what_exists()
    {
        var engine = new PolicyEngine(_f.Registry);
        var policy = Policy($"[{Require(Op(">=", M("candidate", "metrics", "f1"), C("0.5")), "f1 must be 0.5")}]");
        var verdict = Assert.Single((await engine.EvaluateAsync(policy, 2, new PromotionOptions { DryRun = true })).Verdicts);
        Assert.Equal(VerdictStatus.Failed, verdict.Status);
        Assert.Equal("f1 must be 0.5 (candidate(v2) has no metric 'f1' (it has: auc, epochs, loss, big, name))", verdict.Message);
        Assert.Equal("? >= 0.5", verdict.Compared);
    }

    [Fact]
    public async Task A_missing_tag_fails_but_in_tests_presence()
    {
        var engine = new PolicyEngine(_f.Registry);
        var policy = Policy($"[{Require(Op("==", M("@champion", "tags", "stage"), C("\"prod\"")))}, {Require(Op("in", C("\"stage\""), M("@champion", "tags")))}]", readsAliases: """["champion"]""");
        var result = await engine.EvaluateAsync(policy, 2, new PromotionOptions { DryRun = true });
        Assert.Equal("@champion(v1) has no tag 'stage' (it has: team)", result.Verdicts[0].Message);
        Assert.Equal(VerdictStatus.Failed, result.Verdicts[1].Status);
        Assert.Equal("the condition is false", result.Verdicts[1].Message);
    }

    [Fact]
    public async Task An_unset_alias_fails_the_rules_that_read_it_with_a_way_out()
    {
        var engine = new PolicyEngine(_f.Registry);
        var policy = Policy(
            $"[{Require(Op(">=", M("candidate", "metrics", "auc"), C("0.85")))}, {Require(Op(">", M("candidate", "metrics", "auc"), M("@best", "metrics", "auc")), "must beat the best")}]",
            readsAliases: """["best"]""");
        var result = await engine.EvaluateAsync(policy, 2, new PromotionOptions { DryRun = true });
        Assert.Equal(PolicyOutcome.Failed, result.Outcome);
        Assert.Equal(VerdictStatus.Passed, result.Verdicts[0].Status);
        Assert.Equal(VerdictStatus.Failed, result.Verdicts[1].Status);
        Assert.Contains("must beat the best (alias @best of model 'churn' is not set", result.Verdicts[1].Message, StringComparison.Ordinal);
        Assert.Contains("mlpc models alias set churn best VERSION", result.Verdicts[1].Message, StringComparison.Ordinal);
        Assert.Null(result.Holders["best"]);
    }

    [Fact]
    public async Task Type_errors_and_division_by_zero_fail_the_rule_instead_of_guessing()
    {
        var engine = new PolicyEngine(_f.Registry);
        var policy = Policy($"[{Require(Op(">", M("candidate", "tags", "team"), C("1")))}, {Require(Op(">", Op("/", M("candidate", "metrics", "auc"), C("0")), C("1")))}, {Require(Op(">", Op("+", C("9223372036854775807"), C("1")), C("0")))}]");
        var result = await engine.EvaluateAsync(policy, 2, new PromotionOptions { DryRun = true });
        Assert.Equal("'>' cannot order string \"risk\" and int 1", result.Verdicts[0].Message);
        Assert.Equal("0.93 / 0: division by zero", result.Verdicts[1].Message);
        Assert.Equal("integer overflow", result.Verdicts[2].Message);
    }

    [Fact]
    public async Task An_unknown_version_is_not_found()
    {
        var engine = new PolicyEngine(_f.Registry);
        await Assert.ThrowsAsync<MLOps.Tracking.TrackingNotFoundException>(() => engine.EvaluateAsync(Policy("[]"), 9));
    }
}
