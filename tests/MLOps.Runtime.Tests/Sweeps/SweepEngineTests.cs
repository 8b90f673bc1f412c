using MLOps.Plan;
using MLOps.Runtime.Sweeps;
using MLOps.Runtime.Sweeps.Samplers;
using MLOps.Tracking.Runs;

namespace MLOps.Runtime.Tests.Sweeps;

public sealed class SweepEngineTests
{
    private static readonly Func<IReadOnlyDictionary<string, double>, double> Branin = x => SweepTestSpaces.BraninValue([x["x1"], x["x2"]]);

    private static SweepDefinition Definition(string sampler = "tpe", int trials = 20, int parallel = 1, int? seed = 7, int? maxFailed = null, TimeSpan? timeout = null, PlanAlgorithm? pruner = null) =>
        SweepDefinition.Create("tune", SweepTestSpaces.Branin, ObjectiveDirection.Minimize, sampler, new SweepBudget(trials, parallel, timeout, maxFailed), seed, pruner,
            sampler == "tpe" ? [new("startup_trials", PlanValue.Of(5L))] : default);

    private static SweepRunOptions Options(string id) => new() { SweepRunId = id, Experiment = "tune", Pipeline = "train" };

    private static string Key(SweepTrialRecord t) => string.Join(",", t.Params.OrderBy(p => p.Key).Select(p => p.Key + "=" + p.Value));

    [Fact]
    public async Task A_sweep_runs_every_trial_and_records_it_as_child_runs()
    {
        await using var temp = new TempStore();
        var runner = new FunctionRunner(Branin);
        var result = await new SweepEngine(Definition(parallel: 3), runner, temp.Store, Options("s1")).RunAsync();

        Assert.Equal(SweepStopReason.Completed, result.StopReason);
        Assert.Equal(20, result.Trials.Count);
        Assert.All(result.Trials, t => Assert.Equal(RunStatus.Succeeded, t.Status));
        Assert.Equal(Enumerable.Range(0, 20), result.Trials.Select(t => t.FinishSequence!.Value).Order());
        Assert.Equal(result.Trials.Min(t => t.Objective), result.Best!.Objective);

        var sweep = (await temp.Store.GetRunDetailsAsync("s1"))!;
        Assert.Equal(RunKind.Sweep, sweep.Run.Kind);
        Assert.Equal(RunStatus.Succeeded, sweep.Run.Status);
        Assert.Equal("7", sweep.Tags[SweepTags.Seed]);
        Assert.Equal(result.Best.Number.ToString(System.Globalization.CultureInfo.InvariantCulture), sweep.Tags[SweepTags.BestTrial]);

        var children = await temp.Store.GetChildRunsAsync("s1");
        Assert.Equal(20, children.Count);
        var trial = (await temp.Store.GetRunDetailsAsync(children[0].RunId))!;
        Assert.Equal(RunKind.Trial, trial.Run.Kind);
        Assert.Equal(["x1", "x2"], trial.Params.Keys.Order());
        Assert.True(trial.Metrics.ContainsKey(SweepTags.ObjectiveMetric));

        // Trials can be found and ranked with ordinary run search.
        var page = await temp.Store.SearchRunsAsync(new MLOps.Tracking.Search.RunSearchRequest { Filter = "kind = 'trial' and status = 'succeeded'", OrderBy = "metrics.objective", Limit = 1 });
        Assert.Equal(result.Best.RunId, page.Runs[0].Run.RunId);
    }

    [Fact]
    public async Task The_same_seed_with_parallel_1_proposes_the_same_trials()
    {
        await using var temp = new TempStore();
        var a = await new SweepEngine(Definition(), new FunctionRunner(Branin), temp.Store, Options("a")).RunAsync();
        var b = await new SweepEngine(Definition(), new FunctionRunner(Branin), temp.Store, Options("b")).RunAsync();
        var c = await new SweepEngine(Definition(seed: 8), new FunctionRunner(Branin), temp.Store, Options("c")).RunAsync();
        Assert.Equal(a.Trials.Select(Key), b.Trials.Select(Key));
        Assert.NotEqual(a.Trials.Select(Key), c.Trials.Select(Key));
    }

    [Fact]
    public async Task A_parallel_sweep_is_reproduced_from_its_recorded_finish_order()
    {
        await using var temp = new TempStore();
        var definition = Definition(parallel: 4, trials: 24);
        var result = await new SweepEngine(definition, new FunctionRunner(Branin), temp.Store, Options("p")).RunAsync();

        // Replay: each trial is what the sampler proposes given the first ProposedAfter trials in finish order.
        var sampler = definition.CreateSampler(result.Seed);
        var byFinish = result.Trials.OrderBy(t => t.FinishSequence).ToList();
        foreach (var trial in result.Trials)
        {
            var seen = byFinish.Take(trial.ProposedAfter)
                .Select(t => new TrialObservation(t.Number, [.. definition.Space.TryParseParams(t.Params)!], TrialState.Succeeded, t.Objective, []))
                .ToList();
            var point = sampler.Propose(new SamplerContext(trial.Number, seen, []));
            Assert.Equal(definition.Space.ToParams(point), trial.Params);
        }
    }

    [Fact]
    public async Task Failed_trials_count_against_max_failed_and_stop_the_sweep()
    {
        await using var temp = new TempStore();
        var runner = new FunctionRunner(Branin) { Fails = s => s.Number % 2 == 1 };
        var result = await new SweepEngine(Definition(maxFailed: 3), runner, temp.Store, Options("f")).RunAsync();
        Assert.Equal(SweepStopReason.MaxFailed, result.StopReason);
        Assert.Equal(3, result.Trials.Count(t => t.Status == RunStatus.Failed));
        Assert.Equal(6, result.Trials.Count);
        Assert.Equal("boom", result.Trials[1].Message);
        var sweep = (await temp.Store.GetRunAsync("f"))!;
        Assert.Equal(RunStatus.Failed, sweep.Status);
    }

    [Fact]
    public async Task The_time_limit_cancels_running_trials_and_ends_the_sweep()
    {
        await using var temp = new TempStore();
        var runner = new FunctionRunner(Branin) { Hangs = s => s.Number >= 2 };
        var result = await new SweepEngine(Definition(parallel: 2, timeout: TimeSpan.FromSeconds(1)), runner, temp.Store, Options("t")).RunAsync();
        Assert.Equal(SweepStopReason.TimeLimit, result.StopReason);

        // Not a timing assertion: however slow the machine, trials 2 and 3 can only end by the limit.
        Assert.All(result.Trials, t => Assert.True(t.Number < 2 ? t.Status is RunStatus.Succeeded or RunStatus.Cancelled : t.Status == RunStatus.Cancelled));
        Assert.Equal(4, result.Trials.Count);
        Assert.Equal("time_limit", (await temp.Store.GetRunDetailsAsync("t"))!.Tags[SweepTags.StopReason]);
    }

    [Fact]
    public async Task A_grid_smaller_than_the_budget_ends_when_exhausted()
    {
        await using var temp = new TempStore();
        var space = new SearchSpace([new IntDimension("a", 1, 3, 1, false, true), new ChoiceDimension("b", [PlanValue.Of("x"), PlanValue.Of("y")])]);
        var definition = SweepDefinition.Create("grid", space, ObjectiveDirection.Maximize, "grid", new SweepBudget(10, 2));
        var result = await new SweepEngine(definition, new FunctionRunner(x => x["a"]), temp.Store, Options("g")).RunAsync();
        Assert.Equal(SweepStopReason.Exhausted, result.StopReason);
        Assert.Equal(6, result.Trials.Select(Key).Distinct().Count());
        Assert.Equal("3", result.Best!.Params["a"]);
    }

    [Fact]
    public async Task Pruned_trials_are_marked_pruned_and_their_token_is_cancelled_before_report_returns()
    {
        await using var temp = new TempStore();

        // Every trial reports a curve of five steps; the median pruner stops those worse than the median.
        var pruner = new PlanAlgorithm("median", [new("metric", PlanValue.Of("loss")), new("startup_trials", PlanValue.Of(3L))]);
        var runner = new FunctionRunner(Branin) { CurveSteps = 5, CurveMetric = "loss" };
        var result = await new SweepEngine(Definition(trials: 30, pruner: pruner, sampler: "random"), runner, temp.Store, Options("m")).RunAsync();

        var pruned = result.Trials.Where(t => t.Status == RunStatus.Pruned).ToList();
        Assert.NotEmpty(pruned);
        Assert.All(pruned, t => Assert.True(runner.SawCancel[t.Number]));
        Assert.All(pruned, t => Assert.Null(t.Objective));
        Assert.All(pruned, t => Assert.StartsWith("pruned by median at step", t.Message));
        Assert.Contains(result.Trials, t => t.Status == RunStatus.Succeeded);

        // The pruned trial's curve is in the store, ending at the step it was pruned at.
        var first = pruned[0];
        var history = await temp.Store.GetMetricHistoryAsync(first.RunId, "loss");
        Assert.Equal(first.Intermediates.Select(v => v.Step), history.Select(p => p.Step));
        Assert.True(history.Count < 5);
        Assert.Equal(RunStatus.Pruned, (await temp.Store.GetRunAsync(first.RunId))!.Status);
    }

    [Fact]
    public async Task Ctrl_c_cancels_running_trials_and_a_resume_finishes_the_sweep()
    {
        await using var temp = new TempStore();
        using var cts = new CancellationTokenSource();
        var observer = new OnStart(5, cts.Cancel);
        var first = await new SweepEngine(Definition(parallel: 2, trials: 12), new FunctionRunner(Branin) { Hangs = s => s.Number >= 4 }, temp.Store, Options("c") with { Observer = observer }).RunAsync(cts.Token);
        Assert.Equal(SweepStopReason.Cancelled, first.StopReason);
        Assert.Equal(RunStatus.Cancelled, (await temp.Store.GetRunAsync("c"))!.Status);
        var finishedBefore = first.Trials.Where(t => t.IsFinished).ToList();
        Assert.Equal([0, 1, 2, 3], finishedBefore.Select(t => t.Number));
        Assert.Equal([RunStatus.Cancelled, RunStatus.Cancelled], first.Trials.Skip(4).Select(t => t.Status));

        var runner = new FunctionRunner(Branin);
        var second = await new SweepEngine(Definition(parallel: 2, trials: 12), runner, temp.Store, Options("c")).RunAsync();
        Assert.True(second.Resumed);
        Assert.Equal(SweepStopReason.Completed, second.StopReason);
        Assert.Equal(12, second.Trials.Count);
        Assert.All(second.Trials, t => Assert.Equal(RunStatus.Succeeded, t.Status));

        // Finished trials were kept (not run again); the cancelled ones restarted with the same params.
        Assert.DoesNotContain(runner.Started, s => finishedBefore.Any(f => f.Number == s.Number));
        foreach (var cancelled in first.Trials.Where(t => t.Status == RunStatus.Cancelled))
        {
            Assert.Equal(cancelled.Params, second.Trials[cancelled.Number].Params);
            Assert.Equal(2, second.Trials[cancelled.Number].Attempt);
        }
    }

    [Fact]
    public async Task A_sweep_abandoned_mid_trial_resumes_from_the_store_and_proposes_what_an_uninterrupted_sweep_would()
    {
        await using var temp = new TempStore();
        var reference = await new SweepEngine(Definition(trials: 14), new FunctionRunner(Branin), temp.Store, Options("ref")).RunAsync();

        // The first process: trial 8 never ends and ignores cancellation; we stop waiting for it
        // and never dispose its store, as after kill -9.
        var killedStore = temp.Open();
        var started = new TaskCompletionSource();
        var hanging = new FunctionRunner(Branin) { Hangs = s => s.Number == 8, IgnoreCancel = true };
        var observer = new OnStart(8, () => started.TrySetResult());
        _ = new SweepEngine(Definition(trials: 14), hanging, killedStore, Options("k") with { Observer = observer }).RunAsync();
        await started.Task.WaitAsync(TimeSpan.FromSeconds(60));

        var before = await SweepHistoryReader.LoadAsync(temp.Store, "k");
        Assert.Equal(RunStatus.Running, before!.Sweep.Run.Status);
        Assert.Equal(RunStatus.Running, before.Trials.Single(t => t.Number == 8).Status);

        // The second process resumes with a fresh store connection.
        await using var resumedStore = temp.Open();
        var runner = new FunctionRunner(Branin);
        var resumed = await new SweepEngine(Definition(trials: 14), runner, resumedStore, Options("k")).RunAsync();
        Assert.True(resumed.Resumed);
        Assert.Equal(14, resumed.Trials.Count);
        Assert.All(resumed.Trials, t => Assert.Equal(RunStatus.Succeeded, t.Status));
        Assert.Equal([8, 9, 10, 11, 12, 13], runner.Started.Select(s => s.Number));
        Assert.Equal(2, runner.Started.First().Attempt);
        Assert.Equal(reference.Trials.Select(Key), resumed.Trials.Select(Key));
        Assert.Equal(reference.Best!.Objective, resumed.Best!.Objective);
    }

    [Fact]
    public async Task A_trial_created_without_params_before_the_kill_is_proposed_on_resume()
    {
        await using var temp = new TempStore();
        var reference = await new SweepEngine(Definition(trials: 6), new FunctionRunner(Branin), temp.Store, Options("ref")).RunAsync();

        // The sweep run and trial 0's run exist, but the process died before logging its params.
        await temp.Store.CreateRunAsync(new NewRun { RunId = "x", Experiment = "tune", Kind = RunKind.Sweep, Name = "tune", Status = RunStatus.Running });
        await temp.Store.SetTagsAsync("x", new Dictionary<string, string> { [SweepTags.Seed] = "7" });
        await temp.Store.CreateRunAsync(new NewRun { RunId = SweepTags.TrialRunId("x", 0), Experiment = "tune", Kind = RunKind.Trial, Name = "tune[0]", ParentRunId = "x", NodeInstanceId = SweepTags.TrialNode(0) });
        await temp.Store.SetTagsAsync(SweepTags.TrialRunId("x", 0), new Dictionary<string, string> { [SweepTags.Trial] = "0" });

        var resumed = await new SweepEngine(Definition(trials: 6), new FunctionRunner(Branin), temp.Store, Options("x")).RunAsync();
        Assert.Equal(reference.Trials.Select(Key), resumed.Trials.Select(Key));
    }

    [Fact]
    public async Task A_resume_refuses_another_seed_or_plan()
    {
        await using var temp = new TempStore();
        await new SweepEngine(Definition(trials: 2), new FunctionRunner(Branin), temp.Store, Options("r") with { PlanDigest = "d1" }).RunAsync();
        await Assert.ThrowsAsync<SweepDefinitionException>(() => new SweepEngine(Definition(trials: 3), new FunctionRunner(Branin), temp.Store, Options("r") with { PlanDigest = "d2" }).RunAsync());
        await Assert.ThrowsAsync<SweepDefinitionException>(() => new SweepEngine(Definition(trials: 3), new FunctionRunner(Branin), temp.Store, Options("r") with { Seed = 99 }).RunAsync());

        // More trials on resume extends the sweep.
        var more = await new SweepEngine(Definition(trials: 4), new FunctionRunner(Branin), temp.Store, Options("r") with { PlanDigest = "d1" }).RunAsync();
        Assert.Equal(4, more.Trials.Count);
    }

    [Fact]
    public async Task A_sweep_without_a_seed_records_the_one_it_drew()
    {
        await using var temp = new TempStore();
        var first = await new SweepEngine(Definition(seed: null, trials: 3), new FunctionRunner(Branin), temp.Store, Options("n")).RunAsync();
        var again = await new SweepEngine(Definition(seed: null, trials: 5), new FunctionRunner(Branin), temp.Store, Options("n")).RunAsync();
        Assert.Equal(first.Seed, again.Seed);
        Assert.Equal(first.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture), (await temp.Store.GetRunDetailsAsync("n"))!.Tags[SweepTags.Seed]);
    }

    private sealed class OnStart(int number, Action action) : ISweepObserver
    {
        public void TrialStarted(SweepTrialRecord trial)
        {
            if (trial.Number == number)
            {
                action();
            }
        }

        public void TrialReported(SweepTrialRecord trial, string metric, IntermediateValue value)
        {
        }

        public void TrialFinished(SweepTrialRecord trial)
        {
        }
    }
}
