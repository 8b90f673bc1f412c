using System.Globalization;
using MLOps.Language.Lowering;
using MLOps.Plan;

namespace MLOps.Language.Tests.Lowering;

public sealed class PlanBuilderTests
{
    private const string PythonStub = "step script(file: path) -> (out: Dir) {\n  run = \"python3 ${file} ${out.out}\"\n}\n";

    private static ExecutionPlan Build(string source, BuildOptions? options = null)
    {
        var compilation = TestSources.Compile(source);
        Assert.Empty(compilation.Diagnostics.Where(d => d.IsError));
        var result = PlanBuilder.Build(compilation, options ?? new BuildOptions());
        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        return result.Plan!;
    }

    [Fact]
    public void Churn_pipeline_lowers_to_nodes_with_dependencies_and_substituted_commands()
    {
        var plan = Build(TestSources.Churn, new BuildOptions { Pipeline = "train" });
        Assert.Equal(["prepare", "fit", "evaluate"], plan.Nodes.Select(n => n.Id));
        var fit = plan.Nodes.Single(n => n.Id == "fit");
        Assert.Equal(["prepare"], fit.DependsOn.ToArray());
        Assert.Equal("python3 train.py --data {{in.train}} --lr 0.001 --epochs 10 --out {{out.model}}", fit.Command);
        Assert.Equal(16L * 1024 * 1024 * 1024, fit.Resources.MemoryBytes);
        Assert.Equal(7200, fit.TimeoutSeconds);
        Assert.Equal(new PlanRetry(3, 10, 2.0), fit.Retry);
        Assert.Equal("hpc", fit.Target);
        var prepare = plan.Nodes.Single(n => n.Id == "prepare");
        Assert.Contains("--in data/churn.csv --test-fraction 0.2 ", prepare.Command);
        var evaluate = plan.Nodes.Single(n => n.Id == "evaluate");
        var metrics = Assert.IsType<RecordPlanType>(evaluate.Outputs.Single().Type);
        Assert.Equal(["accuracy", "auc", "loss"], metrics.Fields.Select(f => f.Name));
        var hpc = plan.Targets.Single(t => t.Name == "hpc");
        Assert.Equal(new EnvValue("SLURM_REST_URL"), hpc.Properties.Single(p => p.Key == "url").Value);
        var registration = Assert.Single(plan.Registrations);
        Assert.Equal("churn", registration.Model);
        Assert.IsType<OpExpr>(registration.Condition);
        Assert.Equal(["evaluate", "fit"], registration.DependsOn.ToArray());
        Assert.Single(plan.Policies);
        Assert.Equal(["champion"], plan.Policies[0].ReadsAliases.ToArray());
    }

    [Fact]
    public void Plans_are_byte_identical_under_different_cultures()
    {
        string BuildIn(string culture)
        {
            var previous = CultureInfo.CurrentCulture;
            try
            {
                CultureInfo.CurrentCulture = new CultureInfo(culture);
                CultureInfo.CurrentUICulture = new CultureInfo(culture);
                return PlanJson.Write(Build(TestSources.Churn, new BuildOptions { Pipeline = "train" }));
            }
            finally
            {
                CultureInfo.CurrentCulture = previous;
            }
        }

        var english = BuildIn("en-US");
        var german = BuildIn("de-DE");
        Assert.Equal(english, german);
        Assert.Contains("\"lr\"", english);
        Assert.Contains("0.001", english);
    }

    [Fact]
    public void Param_overrides_are_type_checked_and_substituted()
    {
        var plan = Build(TestSources.Churn, new BuildOptions { Pipeline = "train", Params = [new("lr", "0.5"), new("data", "other.csv")] });
        Assert.Contains("--lr 0.5 ", plan.Nodes.Single(n => n.Id == "fit").Command);
        Assert.Contains("--in other.csv ", plan.Nodes.Single(n => n.Id == "prepare").Command);

        var compilation = TestSources.Compile(TestSources.Churn);
        var bad = PlanBuilder.Build(compilation, new BuildOptions { Pipeline = "train", Params = [new("lr", "fast"), new("epoch", "3")] });
        Assert.Null(bad.Plan);
        var invalid = bad.Diagnostics.Single(d => d.Code == "MLP2022");
        Assert.Equal("--param", invalid.Span.File.Path);
        Assert.Equal("fast", invalid.Span.Text);
        var unknown = bad.Diagnostics.Single(d => d.Code == "MLP2021");
        Assert.Equal("epochs", unknown.Suggestion);
    }

    [Fact]
    public void Sweep_plans_keep_swept_parameters_open()
    {
        var plan = Build(TestSources.Churn, new BuildOptions { Sweep = "tune" });
        Assert.Equal("sweep", plan.Kind);
        Assert.Equal("--data {{in.train}} --lr {{in.lr}} --epochs {{in.epochs}} --out {{out.model}}", plan.Nodes.Single(n => n.Id == "fit").Command["python3 train.py ".Length..]);
        Assert.Equal(new ParamRefExpr("lr"), plan.Nodes.Single(n => n.Id == "fit").Inputs.Single(i => i.Name == "lr").Value);
        var sweep = plan.Sweep!;
        Assert.Equal(["lr", "epochs"], sweep.Space.Select(d => d.Param));
        Assert.True(sweep.Space[0].Log);
        Assert.Equal(3, sweep.Space[1].Choices.Length);
        Assert.Equal(("maximize", "metrics"), (sweep.Objective.Direction, sweep.Objective.Output));
        Assert.Equal(["auc"], sweep.Objective.Path.ToArray());
        Assert.Equal("asha", sweep.Pruner!.Name);
        Assert.Equal(new PlanBudget(50, 4, null, null), sweep.Budget);
    }

    [Fact]
    public void For_fan_out_becomes_a_fan_out_with_gathered_results()
    {
        const string source = """
            step fit(seed: int) -> (model: Model) {
              run = "train --seed ${seed} --out ${out.model}"
            }
            step pick(models: list<Model>) -> (best: Model) {
              run = "pick ${out.best}"
            }
            pipeline many(seeds: list<int> = [1, 2, 3]) -> (best: Model) {
              let models = for s in seeds {
                let f = fit(seed: s)
                yield f.model
              }
              let chosen = pick(models: models)
              return { best: chosen.best }
            }
            """;
        var plan = Build(source);
        var fanOut = Assert.Single(plan.FanOuts);
        Assert.Equal("s", fanOut.Variable);
        var fit = plan.Nodes.Single(n => n.Id == "fit");
        Assert.Equal(fanOut.Id, fit.FanOut);
        Assert.Equal("train --seed {{in.seed}} --out {{out.model}}", fit.Command);
        Assert.Equal(new FanOutItemExpr(fanOut.Id, []), fit.Inputs.Single().Value);
        var pick = plan.Nodes.Single(n => n.Id == "pick");
        Assert.Equal(new GatherExpr(fanOut.Id, new OutputRefExpr("fit", "model", [])), pick.Inputs.Single().Value);
        Assert.Equal(["fit"], pick.DependsOn.ToArray());
    }

    [Fact]
    public void Sub_pipelines_are_inlined_with_prefixed_ids_and_repeated_steps_get_unique_ids()
    {
        var source = PythonStub + """
            pipeline inner(f: path) -> (out: Dir) {
              let a = script(file: f)
              return { out: a.out }
            }
            pipeline outer() -> (first: Dir, second: Dir) {
              let x = inner(f: "a.py")
              let y = script(file: "b.py")
              let z = script(file: "c.py")
              return { first: x.out, second: z.out }
            }
            """;
        var plan = Build(source, new BuildOptions { Pipeline = "outer" });
        Assert.Equal(["x/script", "script", "script_2"], plan.Nodes.Select(n => n.Id));
        Assert.Equal(new OutputRefExpr("x/script", "out", []), plan.Outputs.Single(o => o.Name == "first").Value);
    }

    [Fact]
    public void Conditions_known_at_build_time_are_folded_and_else_branches_negated()
    {
        var source = PythonStub + """
            param fast: bool = true
            step check() -> (ok: { good: bool }) {
              run = "check ${out.ok}"
            }
            pipeline p() {
              if fast {
                script(file: "fast.py")
              } else {
                script(file: "slow.py")
              }
              let c = check()
              if c.ok.good {
                script(file: "good.py")
              } else {
                script(file: "bad.py")
              }
            }
            """;
        var plan = Build(source);
        Assert.Equal(["script", "check", "script_2", "script_3"], plan.Nodes.Select(n => n.Id));
        Assert.Contains("fast.py", plan.Nodes[0].Command);
        Assert.Null(plan.Nodes[0].Condition);
        Assert.Equal(new OutputRefExpr("check", "ok", ["good"]), plan.Nodes[2].Condition);
        Assert.Equal(new OpExpr("not", [new OutputRefExpr("check", "ok", ["good"])]), plan.Nodes[3].Condition);
        Assert.Equal(["check"], plan.Nodes[3].DependsOn.ToArray());
    }

    [Fact]
    public void Values_with_shell_characters_are_quoted_and_cache_digest_follows_the_command()
    {
        var plan = Build(PythonStub + "pipeline p() {\n  script(file: \"my file's.py\")\n}\n");
        Assert.Equal("python3 'my file'\\''s.py' {{out.out}}", plan.Nodes.Single().Command);
        var other = Build(PythonStub + "pipeline p() {\n  script(file: \"other.py\")\n}\n");
        Assert.NotEqual(plan.Nodes.Single().Cache.DefinitionDigest, other.Nodes.Single().Cache.DefinitionDigest);
        Assert.Equal(["inputs.file"], plan.Nodes.Single().Cache.Inputs.ToArray());
    }

    [Fact]
    public void No_plan_when_the_program_has_errors_or_no_entry()
    {
        var broken = TestSources.Compile("pipeline p() {\n  missing_step()\n}\n");
        Assert.Null(PlanBuilder.Build(broken, new BuildOptions()).Plan);

        var two = TestSources.Compile(PythonStub + "pipeline a() {\n  script(file: \"a\")\n}\npipeline b() {\n  script(file: \"b\")\n}\n");
        var result = PlanBuilder.Build(two, new BuildOptions());
        Assert.Null(result.Plan);
        Assert.Contains(result.Diagnostics, d => d.Code == "MLP3009" && d.Message.Contains("--pipeline"));
        Assert.Equal("a", PlanBuilder.Build(two, new BuildOptions { Pipeline = "a" }).Plan!.Pipeline);
    }
}
