using MLOps.Runtime.Inspection;
using MLOps.Runtime.Scheduling;
using MLOps.Runtime.Values;
using MLOps.Tracking.Runs;

namespace MLOps.Runtime.Tests.Scheduling;

public sealed class SchedulerTests : IAsyncLifetime
{
    private readonly RunHarness h = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await h.DisposeAsync();

    private const string Pipeline = """
        type Scores = { auc: float, loss: float }
        param rows: int = 10

        step make(rows: int) -> (data: Dataset) {
          run = "echo make >> ran-make; seq 1 ${rows} > ${out.data}"
        }

        step fit(data: Dataset, lr: float) -> (model: Model, scores: Scores) {
          run = "echo fit >> ran-fit; for i in 1 2 3; do echo '{\"name\": \"loss\", \"value\": '$i', \"step\": '$i'}' >> $MLP_METRICS_FILE; done; wc -l < ${data} > ${out.model}; echo '{\"auc\": 0.9, \"loss\": 0.1}' > ${out.scores}"
        }

        pipeline p(lr: float = 0.5) -> (model: Model, scores: Scores) {
          let d = make(rows: rows)
          let f = fit(data: d.data, lr: lr)
          if f.scores.auc > 0.8 {
            register f.model as "m" with { metrics: f.scores }
          }
          return { model: f.model, scores: f.scores }
        }
        """;

    [Fact]
    public async Task A_pipeline_runs_its_steps_in_order_tracks_them_and_registers_the_model()
    {
        var result = await h.RunAsync(RunHarness.Compile(Pipeline));

        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Equal(["fit", "make"], result.Steps.Select(s => s.InstanceId));
        Assert.All(result.Steps, s => Assert.Equal(StepState.Succeeded, s.State));
        var model = Assert.IsType<ArtifactValue>(result.Outputs["model"]);
        Assert.Equal("10", File.ReadAllText(model.Path).Trim());
        Assert.StartsWith("sha256:", model.Digest);

        var version = Assert.Single(await h.Stores.Registry.ListVersionsAsync("m"));
        Assert.Equal(model.Digest, version.ArtifactDigest);
        Assert.Contains("\"auc\":0.9", version.MetricsJson.Replace(" ", ""));
        Assert.Equal(result.RunId, version.SourceRunId);

        // Metrics streamed by the step (history), and the record output's numbers as metrics.
        var loss = await h.Stores.Runs.GetMetricHistoryAsync(result.RunId + "/fit", "loss");
        Assert.Equal([1.0, 2.0, 3.0], loss.Select(p => p.Value));
        Assert.Equal([1L, 2L, 3L], loss.Select(p => p.Step));
        var pipeline = await h.Stores.Runs.GetRunDetailsAsync(result.RunId);
        Assert.Equal(0.9, pipeline!.Metrics["scores.auc"]);
        Assert.Equal("10", pipeline.Params["rows"]);

        // Lineage: fit consumed what make produced.
        var data = (await h.Stores.Runs.GetArtifactsAsync(result.RunId + "/make")).Single(a => a.Name == "data");
        var lineage = await h.Stores.Runs.GetLineageAsync(data.Digest);
        Assert.Contains(lineage.ConsumedBy, a => a.RunId == result.RunId + "/fit");
    }

    [Fact]
    public async Task An_input_too_long_for_the_environment_reaches_the_step_in_a_file()
    {
        // 6,000 names of 30 characters: about 200 KiB of JSON, more than Linux allows in one variable.
        var result = await h.RunAsync(RunHarness.Compile("""
            step make() -> (names: list<string>) {
              run = "python3 -c 'import json; print(json.dumps([\"n%029d\" % i for i in range(6000)]))' > ${out.names}"
            }
            step count(names: list<string>) -> (n: int) {
              run = "test -z \"$MLP_IN_NAMES\" && python3 -c 'import mlp; v = mlp.input(\"names\"); print(len(v) if v[5999] == \"n%029d\" % 5999 else -1)' > ${out.n}"
            }
            pipeline p() -> (n: int) {
              let m = make()
              let c = count(names: m.names)
              return { n: c.n }
            }
            """));

        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Equal(6000L, ((MLOps.Plan.IntValue)result.Outputs["n"]).Value);
    }

    [Fact]
    public async Task An_unchanged_rerun_reuses_every_step_and_a_changed_input_reruns_only_what_depends_on_it()
    {
        var first = await h.RunAsync(RunHarness.Compile(Pipeline));
        var second = await h.RunAsync(RunHarness.Compile(Pipeline));
        Assert.All(second.Steps, s => Assert.Equal(StepState.Cached, s.State));
        Assert.Equal(1, h.Runs("make"));
        Assert.Equal(1, h.Runs("fit"));
        Assert.Single(await h.Stores.Registry.ListVersionsAsync("m")); // same content, no new version

        var third = await h.RunAsync(RunHarness.Compile(Pipeline, ("lr", "0.1")));
        Assert.Equal(StepState.Cached, third.Steps.Single(s => s.InstanceId == "make").State);
        Assert.Equal(StepState.Succeeded, third.Steps.Single(s => s.InstanceId == "fit").State);
        Assert.Equal(2, h.Runs("fit"));

        var explained = await new RunExplainer(h.Stores.Runs).ExplainAsync(third.RunId, null, default);
        var fit = explained.Single(e => e.InstanceId == "fit");
        Assert.Contains(fit.Changes, c => c.Component == "inputs.lr" && c.Before == "0.5" && c.After == "0.1");
        Assert.Contains("reused", explained.Single(e => e.InstanceId == "make").Verdict);
        _ = first;
    }

    [Theory]
    [InlineData("command", "run = \"echo fit >> ran-fit; cp ${data} ${out.model}\"", "run = \"echo fit >> ran-fit; cp ${data} ${out.model}; true\"")]
    [InlineData("env", "env = { A: \"1\" }", "env = { A: \"2\" }")]
    [InlineData("resources", "resources = { cpu: 1 }", "resources = { cpu: 2 }")]
    [InlineData("image", "image = \"python:3.11\"", "image = \"python:3.12\"")]
    public async Task Each_part_of_the_definition_is_in_the_cache_key(string component, string before, string after)
    {
        string Source(string line) => $$"""
            step make() -> (data: Dataset) {
              run = "echo make >> ran-make; echo x > ${out.data}"
            }
            step fit(data: Dataset) -> (model: Model) {
              {{(component == "command" ? line : "run = \"echo fit >> ran-fit; cp ${data} ${out.model}\"\n  " + line)}}
            }
            pipeline p() -> (model: Model) {
              let d = make()
              let f = fit(data: d.data)
              return { model: f.model }
            }
            """;
        await h.RunAsync(RunHarness.Compile(Source(before)));
        var hit = await h.RunAsync(RunHarness.Compile(Source(before)));
        Assert.Equal(StepState.Cached, hit.Steps.Single(s => s.InstanceId == "fit").State);
        var miss = await h.RunAsync(RunHarness.Compile(Source(after)));
        Assert.Equal(StepState.Succeeded, miss.Steps.Single(s => s.InstanceId == "fit").State);
        Assert.Equal(StepState.Cached, miss.Steps.Single(s => s.InstanceId == "make").State);
        var explained = await new RunExplainer(h.Stores.Runs).ExplainAsync(miss.RunId, "fit", default);
        Assert.Equal([component], explained.Single().Changes.Select(c => c.Component));
    }

    [Fact]
    public async Task A_changed_input_artifact_content_misses_the_cache_even_with_the_same_command()
    {
        var source = """
            step make() -> (data: Dataset) {
              cache = false
              run = "cat seed.txt > ${out.data}"
            }
            step use(data: Dataset) -> (out: File) {
              run = "echo use >> ran-use; cp ${data} ${out.out}"
            }
            pipeline p() -> (out: File) {
              let d = make()
              let u = use(data: d.data)
              return { out: u.out }
            }
            """;
        File.WriteAllText(Path.Combine(h.Root, "seed.txt"), "a");
        await h.RunAsync(RunHarness.Compile(source));
        await h.RunAsync(RunHarness.Compile(source));
        Assert.Equal(1, h.Runs("use"));
        File.WriteAllText(Path.Combine(h.Root, "seed.txt"), "b");
        var changed = await h.RunAsync(RunHarness.Compile(source));
        Assert.Equal(2, h.Runs("use"));
        var explained = await new RunExplainer(h.Stores.Runs).ExplainAsync(changed.RunId, "use", default);
        Assert.Equal(["inputs.data"], explained.Single().Changes.Select(c => c.Component));
        var make = (await new RunExplainer(h.Stores.Runs).ExplainAsync(changed.RunId, "make", default)).Single();
        Assert.Contains("caching is off", make.Verdict);
    }

    [Fact]
    public async Task A_failing_step_is_retried_with_its_attempts_recorded()
    {
        var source = """
            step flaky() -> (out: File) {
              run   = "echo x >> tries; test $(wc -l < tries) -ge 3 && echo ok > ${out.out}"
              retry = { attempts: 3, backoff: 0s }
            }
            pipeline p() -> (out: File) {
              let f = flaky()
              return { out: f.out }
            }
            """;
        var result = await h.RunAsync(RunHarness.Compile(source));
        Assert.Equal(RunStatus.Succeeded, result.Status);
        var attempts = await h.Stores.Runs.GetAttemptsAsync(result.RunId + "/flaky");
        Assert.Equal(["failed", "failed", "succeeded"], attempts.OrderBy(a => a.Attempt).Select(a => a.State));
        Assert.Equal(1, attempts.First().ExitCode);
    }

    [Fact]
    public async Task A_store_that_fails_mid_run_stops_the_run_and_a_resume_on_a_healthy_store_finishes_it()
    {
        var source = """
            step a() -> (out: File) {
              run = "echo a >> ran-a; echo a > ${out.out}"
            }
            step b(x: File) -> (out: File) {
              run = "echo b >> ran-b; sleep 0.5; cp ${x} ${out.out}"
            }
            step c(x: File) -> (out: File) {
              run = "echo c >> ran-c; cp ${x} ${out.out}"
            }
            pipeline p() -> (out: File) {
              let x = a()
              let y = b(x: x.out)
              let z = c(x: y.out)
              return { out: z.out }
            }
            """;
        var plan = RunHarness.Compile(source);
        var failing = new MLOps.Tracking.TrackingStores(h.Stores.Uri, FailingTrackingStore.Create(h.Stores.Runs, id => id.EndsWith("/b", StringComparison.Ordinal)), h.Stores.Registry, h.Stores.Artifacts);

        var first = await h.RunAsync(plan, stores: failing);

        Assert.Equal(RunStatus.Failed, first.Status);
        Assert.Contains("disk I/O error (injected)", first.Message);
        Assert.Equal(0, h.Runs("c")); // nothing more is started once the store has refused a write
        Assert.Equal(RunStatus.Failed, (await h.Stores.Runs.GetRunAsync(first.RunId))!.Status);

        var resumed = await h.RunAsync(plan, resume: first.RunId);

        Assert.Equal(RunStatus.Succeeded, resumed.Status);
        Assert.Equal(1, h.Runs("a"));
        Assert.Equal(1, h.Runs("c"));
        Assert.Equal(1, h.Runs("b")); // its attempt ended and was recorded: the resume takes its outputs
        Assert.Equal("a", File.ReadAllText(Assert.IsType<ArtifactValue>(resumed.Outputs["out"]).Path).Trim());
        var steps = await h.Stores.Runs.GetChildRunsAsync(first.RunId);
        Assert.Equal(["a", "b", "c"], steps.Select(s => s.Name).Order());
        Assert.All(steps, s => Assert.Equal(RunStatus.Succeeded, s.Status));
    }

    [Fact]
    public async Task A_step_that_always_fails_fails_the_run_and_blocks_only_what_depends_on_it()
    {
        var source = """
            step bad() -> (out: File) {
              run = "echo broken >&2; exit 3"
            }
            step after(x: File) -> (out: File) {
              run = "cp ${x} ${out.out}"
            }
            step other() -> (out: File) {
              run = "echo fine > ${out.out}"
            }
            pipeline p() -> (a: File, b: File) {
              let x = bad()
              let y = after(x: x.out)
              let z = other()
              return { a: y.out, b: z.out }
            }
            """;
        var result = await h.RunAsync(RunHarness.Compile(source));
        Assert.Equal(RunStatus.Failed, result.Status);
        var bad = result.Steps.Single(s => s.InstanceId == "bad");
        Assert.Equal(StepState.Failed, bad.State);
        Assert.Contains("exited with code 3", bad.Message);
        Assert.Contains("mlpc logs", bad.Message);
        Assert.Equal(StepState.NotRun, result.Steps.Single(s => s.InstanceId == "after").State);
        Assert.Equal(StepState.Succeeded, result.Steps.Single(s => s.InstanceId == "other").State);
        var logs = new StepLogs(h.Stores.Runs);
        var attempt = Assert.Single(await logs.FindAsync(result.RunId, "bad", null, default));
        var stderr = new StringWriter();
        await logs.CopyAsync(attempt, attempt.StderrPath!, stderr, follow: false, default);
        Assert.Equal("broken\n", stderr.ToString());
    }

    [Fact]
    public async Task A_step_over_its_timeout_is_ended_with_its_whole_process_tree()
    {
        var source = """
            step slow() -> (out: File) {
              run     = "sleep 60 & echo $! > child.pid; wait"
              timeout = 1s
            }
            pipeline p() -> (out: File) {
              let s = slow()
              return { out: s.out }
            }
            """;
        var result = await h.RunAsync(RunHarness.Compile(source));
        var step = Assert.Single(result.Steps);
        Assert.Equal(StepState.Failed, step.State);
        Assert.Contains("timed out after 1s", step.Message);
        var attempts = await h.Stores.Runs.GetAttemptsAsync(result.RunId + "/slow");
        Assert.Equal("timed_out", Assert.Single(attempts).State);
        var child = int.Parse(h.Read("child.pid").Trim());
        Assert.False(Directory.Exists($"/proc/{child}") && !File.ReadAllText($"/proc/{child}/stat").Contains(") Z"), "the step's child process survived the timeout");
    }

    [Fact]
    public async Task Cancelling_a_run_ends_its_steps_and_marks_the_run_cancelled()
    {
        var source = """
            step slow() -> (out: File) {
              run = "echo $$ > slow.pid; sleep 60"
            }
            pipeline p() -> (out: File) {
              let s = slow()
              return { out: s.out }
            }
            """;
        using var cancel = new CancellationTokenSource();
        var run = h.RunAsync(RunHarness.Compile(source), cancel.Token);
        var pidFile = Path.Combine(h.Root, "slow.pid");
        for (var i = 0; i < 200 && !File.Exists(pidFile); i++)
        {
            await Task.Delay(50);
        }

        await cancel.CancelAsync();
        var result = await run;
        Assert.Equal(RunStatus.Cancelled, result.Status);
        Assert.Equal(StepState.Cancelled, Assert.Single(result.Steps).State);
        var pid = int.Parse(File.ReadAllText(pidFile).Trim());
        Assert.False(Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z"), "the step survived the cancel");
        Assert.Equal(RunStatus.Cancelled, (await h.Stores.Runs.GetRunAsync(result.RunId))!.Status);
        Assert.Equal(RunStatus.Cancelled, (await h.Stores.Runs.GetRunAsync(result.RunId + "/slow"))!.Status);
    }

    [Theory]
    [InlineData("echo '{\"auc\": \"high\", \"loss\": 0.1}' > ${out.scores}", "scores.json: 'scores.auc' should be float but is the string \"high\"")]
    [InlineData("true", "output 'scores' (Scores): the step did not write")]
    [InlineData("echo 'not json' > ${out.scores}", "is not valid JSON")]
    public async Task A_malformed_or_missing_output_fails_the_step_and_nothing_is_registered(string command, string expected)
    {
        var source = $$"""
            type Scores = { auc: float, loss: float }
            step fit() -> (model: Model, scores: Scores) {
              run = "echo m > ${out.model}; {{command.Replace("\"", "\\\"")}}"
            }
            pipeline p() -> (model: Model) {
              let f = fit()
              register f.model as "m" with { metrics: f.scores }
              return { model: f.model }
            }
            """;
        var result = await h.RunAsync(RunHarness.Compile(source));
        Assert.Equal(RunStatus.Failed, result.Status);
        Assert.Contains(expected, Assert.Single(result.Steps).Message);
        Assert.Empty(await h.Stores.Registry.ListVersionsAsync("m"));
    }

    [Fact]
    public async Task A_fan_out_runs_one_instance_per_item_and_the_gather_sees_them_in_order()
    {
        var source = """
            step sq(x: int) -> (y: File) {
              run = "echo $((${x} * ${x})) > ${out.y}"
            }
            step sum(ys: list<File>) -> (total: File) {
              run = "echo $MLP_IN_YS > ${out.total}"
            }
            pipeline p(xs: list<int> = [1, 2, 3]) -> (total: File) {
              let ys = for x in xs {
                let s = sq(x: x)
                yield s.y
              }
              let t = sum(ys: ys)
              return { total: t.total }
            }
            """;
        var result = await h.RunAsync(RunHarness.Compile(source));
        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Equal(["sq[0]", "sq[1]", "sq[2]", "sum"], result.Steps.Select(s => s.InstanceId));
        var paths = System.Text.Json.JsonSerializer.Deserialize<string[]>(File.ReadAllText(((ArtifactValue)result.Outputs["total"]).Path))!;
        Assert.Equal(["1", "4", "9"], paths.Select(p => File.ReadAllText(p).Trim()));
    }

    [Fact]
    public async Task A_false_condition_skips_the_step_and_what_reads_it()
    {
        var source = """
            type Score = { auc: float }
            step score() -> (s: Score) {
              run = "echo '{\"auc\": 0.2}' > ${out.s}"
            }
            step deploy() -> (d: File) {
              run = "echo deploy >> ran-deploy; echo d > ${out.d}"
            }
            pipeline p() -> (s: Score) {
              let r = score()
              if r.s.auc > 0.5 {
                deploy()
              }
              return { s: r.s }
            }
            """;
        var result = await h.RunAsync(RunHarness.Compile(source));
        Assert.Equal(RunStatus.Succeeded, result.Status);
        Assert.Equal(StepState.Skipped, result.Steps.Single(s => s.InstanceId == "deploy").State);
        Assert.Equal(0, h.Runs("deploy"));
        Assert.Equal(RunStatus.Skipped, (await h.Stores.Runs.GetRunAsync(result.RunId + "/deploy"))!.Status);
    }

    [Fact]
    public async Task A_step_asking_for_more_GPUs_than_the_machine_has_is_refused_before_anything_starts()
    {
        var source = """
            step a() -> (o: File) {
              run = "echo a >> ran-a; echo a > ${out.o}"
            }
            step g(i: File) -> (o: File) {
              run       = "echo $CUDA_VISIBLE_DEVICES > ${out.o}"
              resources = { gpu: 1 }
            }
            pipeline p() -> (o: File) {
              let x = a()
              let y = g(i: x.o)
              return { o: y.o }
            }
            """;
        var refused = await Assert.ThrowsAsync<RunRefusedException>(() => h.RunAsync(RunHarness.Compile(source)));
        Assert.Contains("step 'g' asks for 1 GPU(s) but this machine declares 0", refused.Message);
        Assert.Equal(0, h.Runs("a"));

        await using var gpuMachine = new RunHarness { Machine = new MachineResources(4, 8L << 30, 2) };
        var result = await gpuMachine.RunAsync(RunHarness.Compile(source));
        Assert.Equal("0", File.ReadAllText(((ArtifactValue)result.Outputs["o"]).Path).Trim());
    }

    [Fact]
    public async Task Steps_run_in_parallel_up_to_the_limit()
    {
        var source = """
            step w(i: int) -> (o: File) {
              run = "echo start >> events; sleep 0.5; echo end >> events; echo ${i} > ${out.o}"
            }
            pipeline p(xs: list<int> = [1, 2, 3, 4]) -> (os: list<File>) {
              let os = for x in xs {
                let s = w(i: x)
                yield s.o
              }
              return { os: os }
            }
            """;
        await h.RunAsync(RunHarness.Compile(source), maxParallel: 2);
        var events = File.ReadAllLines(Path.Combine(h.Root, "events"));
        var running = 0;
        var most = 0;
        foreach (var e in events)
        {
            running += e == "start" ? 1 : -1;
            most = Math.Max(most, running);
        }

        Assert.Equal(2, most);
    }

    [Fact]
    public async Task A_cancelled_run_that_is_resumed_keeps_its_finished_steps()
    {
        // The first mlpc is "killed" after make finished and while fit runs: its process stays,
        // its records stay open. A second runner resumes the run and must not run either again.
        var source = """
            step make() -> (d: File) {
              run = "echo make >> ran-make; echo d > ${out.d}"
            }
            step fit(d: File) -> (m: File) {
              run = "echo fit >> ran-fit; while [ ! -f go ]; do sleep 0.05; done; cp ${d} ${out.m}"
            }
            pipeline p() -> (m: File) {
              let a = make()
              let b = fit(d: a.d)
              return { m: b.m }
            }
            """;
        var plan = RunHarness.Compile(source);
        using var kill = new CancellationTokenSource();
        var first = h.RunAsync(plan, kill.Token);
        for (var i = 0; i < 400 && h.Runs("fit") == 0; i++)
        {
            await Task.Delay(25);
        }

        var runId = (await h.Stores.Runs.SearchRunsAsync(new Tracking.Search.RunSearchRequest { Filter = "kind = 'pipeline'" })).Runs.Single().Run.RunId;
        var stepsBefore = (await h.Stores.Runs.GetChildRunsAsync(runId)).Count;
        File.WriteAllText(Path.Combine(h.Root, "go"), "");
        await kill.CancelAsync();
        await first;

        // Cancellation ended fit; start it again by hand through a resume: make is kept.
        var resumed = await h.RunAsync(plan, resume: runId);
        Assert.Equal(RunStatus.Succeeded, resumed.Status);
        Assert.True(resumed.Resumed);
        Assert.Equal(1, h.Runs("make"));
        Assert.Equal(stepsBefore, (await h.Stores.Runs.GetChildRunsAsync(runId)).Count);
    }

    [Fact]
    public async Task Metrics_reach_the_store_while_the_step_still_runs()
    {
        // The step logs a point, then succeeds only if the test answers before 30 s are up; the
        // test answers only once it has read the point back from the store.
        File.WriteAllText(Path.Combine(h.Root, "step.sh"), """
            printf '%s\n' '{"name": "loss", "value": 0.5, "step": 1}' >> "$MLP_METRICS_FILE"
            i=0
            while [ ! -e seen ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done
            [ -e seen ] && : > "$1"
            """);
        var source = """
            step train() -> (model: Model) {
              run = "sh step.sh ${out.model}"
            }
            pipeline p() -> (model: Model) {
              let t = train()
              return { model: t.model }
            }
            """;
        var stepRun = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = Task.Run(async () =>
        {
            var id = await stepRun.Task;
            while ((await h.Stores.Runs.GetMetricHistoryAsync(id, "loss")).Count == 0)
            {
                await Task.Delay(50);
            }

            File.WriteAllText(Path.Combine(h.Root, "seen"), "");
        });

        var result = await h.RunAsync(RunHarness.Compile(source), onMetric: point => stepRun.TrySetResult(point.RunId));
        Assert.True(result.Status == RunStatus.Succeeded, result.Message);
        await seen.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(0.5, (await h.Stores.Runs.GetMetricHistoryAsync(result.RunId + "/train", "loss")).Single().Value);
    }
}

public sealed class PythonHelperTests : IAsyncLifetime
{
    private readonly RunHarness h = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await h.DisposeAsync();

    [Fact]
    public async Task A_python_step_uses_the_helper_for_inputs_outputs_and_streamed_metrics()
    {
        File.WriteAllText(Path.Combine(h.Root, "step.py"), """
            import mlp
            n = int(mlp.input("n"))
            for i in range(n):
                mlp.log_metric("loss", 1.0 / (i + 1), step=i)
            mlp.log_metrics({"a": 1, "b": 2})
            mlp.write_output("scores", {"auc": 0.5 + n / 100, "ok": True, "tags": mlp.input("tags")})
            with open(mlp.output_path("model"), "w") as f:
                f.write(mlp.run_id())
            """);
        var source = """
            type Scores = { auc: float, ok: bool, tags: list<string> }
            step fit(n: int, tags: list<string>) -> (model: Model, scores: Scores) {
              run = "/usr/bin/python3 step.py"
            }
            pipeline p() -> (scores: Scores) {
              let f = fit(n: 5, tags: ["x", "y"])
              return { scores: f.scores }
            }
            """;
        var result = await h.RunAsync(RunHarness.Compile(source));
        Assert.True(result.Status == Tracking.Runs.RunStatus.Succeeded, result.Message);
        var scores = Assert.IsType<Plan.MapValue>(result.Outputs["scores"]);
        Assert.Equal(0.55, Assert.IsType<Plan.FloatValue>(scores["auc"]).Value, 6);
        Assert.Equal("[\"x\",\"y\"]", RuntimeValues.ToJson(scores["tags"]!));
        var loss = await h.Stores.Runs.GetMetricHistoryAsync(result.RunId + "/fit", "loss");
        Assert.Equal(5, loss.Count);
        Assert.Equal(2.0, (await h.Stores.Runs.GetMetricHistoryAsync(result.RunId + "/fit", "b")).Single().Value);
    }
}
