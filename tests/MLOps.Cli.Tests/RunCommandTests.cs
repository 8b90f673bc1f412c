using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace MLOps.Cli.Tests;

/// <summary>mlpc run, logs, explain as a user meets them: the real mlpc process on a real store.</summary>
public sealed class RunCommandTests : IDisposable
{
    private readonly string dir = MlpcProcess.TempDir();

    public void Dispose()
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private const string Pipeline = """
        type Scores = { auc: float }

        step make(n: int) -> (data: Dataset) {
          run = "echo make >> ran-make; sleep 0.3; seq 1 ${n} > ${out.data}"
        }

        step left(data: Dataset) -> (o: File) {
          run = "echo left >> ran-left; sleep 0.3; head -n 2 ${data} > ${out.o}"
        }

        step right(data: Dataset) -> (o: File) {
          run = "echo right >> ran-right; sleep 0.3; tail -n 2 ${data} > ${out.o}"
        }

        step join(a: File, b: File) -> (model: Model, scores: Scores) {
          run = "echo join >> ran-join; sleep 0.3; cat ${a} ${b} > ${out.model}; echo '{\"auc\": 0.91}' > ${out.scores}"
        }

        pipeline p(n: int = 20) -> (model: Model, scores: Scores) {
          let d = make(n: n)
          let l = left(data: d.data)
          let r = right(data: d.data)
          let j = join(a: l.o, b: r.o)
          register j.model as "joined" with { metrics: j.scores }
          return { model: j.model, scores: j.scores }
        }
        """;

    private string Write(string source)
    {
        var path = Path.Combine(dir, "p.mlp");
        File.WriteAllText(path, source);
        return path;
    }

    private int Runs(string step) => File.Exists(Path.Combine(dir, "ran-" + step)) ? File.ReadAllLines(Path.Combine(dir, "ran-" + step)).Length : 0;

    [Fact]
    public void Run_tracks_the_run_registers_the_model_and_explains_a_rerun()
    {
        Write(Pipeline);
        var (code, stdout, stderr) = MlpcProcess.Run(dir, "run", "p.mlp");
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("succeeded: 4 succeeded", stdout);
        Assert.Contains("registered joined v1", stdout);

        var runs = MlpcProcess.Run(dir, "runs", "list");
        Assert.Contains("scores.auc=0.91", runs.Stdout);
        Assert.Contains("joined", MlpcProcess.Run(dir, "models", "list").Stdout);

        var again = MlpcProcess.Run(dir, "run", "p.mlp", "--param", "n=30");
        Assert.Equal(0, again.ExitCode);
        var runId = again.Stdout.Split('\n').First(l => l.StartsWith("run ", StringComparison.Ordinal)).Split(' ')[1];
        var explain = MlpcProcess.Run(dir, "explain", runId, "make");
        Assert.Contains("inputs.n: 20 → 30", explain.Stdout);
        var logs = MlpcProcess.Run(dir, "logs", runId, "make");
        Assert.Equal(0, logs.ExitCode);
        Assert.Contains("attempt 1 stderr (succeeded)", logs.Stdout);
    }

    [Fact]
    public void Run_logs_and_explain_use_the_store_given_with_store()
    {
        Write(Pipeline);
        var store = Path.Combine(dir, "elsewhere");
        var run = MlpcProcess.Run(dir, "run", "p.mlp", "--store", store);
        Assert.True(run.ExitCode == 0, run.Stdout + run.Stderr);
        Assert.True(File.Exists(Path.Combine(store, "tracking.db")));
        Assert.False(Directory.Exists(Path.Combine(dir, ".mlp")));
        var runId = run.Stdout.Split('\n').First(l => l.StartsWith("run ", StringComparison.Ordinal)).Split(' ')[1];
        Assert.Equal(0, MlpcProcess.Run(dir, "explain", runId, "--store", store).ExitCode);
        Assert.Equal(0, MlpcProcess.Run(dir, "logs", runId, "make", "--store", store).ExitCode);
        Assert.NotEqual(0, MlpcProcess.Run(dir, "explain", runId).ExitCode); // not in the default store
    }

    [Fact]
    public void Errors_in_the_source_stop_the_run_before_anything_starts()
    {
        Write(Pipeline.Replace("seq 1 ${n}", "seq 1 ${m}", StringComparison.Ordinal));
        var (code, _, stderr) = MlpcProcess.Run(dir, "run", "p.mlp");
        Assert.Equal(1, code);
        Assert.Contains("p.mlp:4:", stderr);
        Assert.Contains("error MLP", stderr);
        Assert.Equal(0, Runs("make"));
        Assert.False(Directory.Exists(Path.Combine(dir, ".mlp", "runs")));
    }

    [Fact]
    public void After_kill_9_at_random_moments_rerunning_finishes_the_run_without_repeating_a_finished_step()
    {
        Write(Pipeline);
        var random = new Random(20261201);
        var kills = 0;
        for (var i = 0; i < 6; i++)
        {
            using var process = MlpcProcess.Start(dir, "run", "p.mlp");
            Thread.Sleep(random.Next(300, 1800));
            if (process.HasExited)
            {
                break;
            }

            process.Kill(entireProcessTree: false); // SIGKILL to mlpc alone: its steps live on
            process.WaitForExit();
            kills++;
        }

        var (code, stdout, stderr) = MlpcProcess.Run(dir, "run", "p.mlp");
        Assert.True(code == 0, stdout + stderr);
        Assert.True(kills > 0, "mlpc was never killed: the test proved nothing");
        foreach (var step in new[] { "make", "left", "right", "join" })
        {
            Assert.True(Runs(step) == 1, $"{step} ran {Runs(step)} times after {kills} kill(s)");
        }

        using var db = new SqliteConnection($"Data Source={Path.Combine(dir, ".mlp", "tracking.db")}");
        db.Open();
        // One run did the work; a kill that came just after it finished leaves the final command a
        // second run that only reuses (every step cached). No step row is duplicated in a run.
        var pipelines = Scalar(db, "select count(*) from runs where kind = 'pipeline'");
        Assert.InRange(pipelines, 1L, 2L);
        Assert.Equal(4L, Scalar(db, "select count(*) from runs where kind = 'step' and status = 'succeeded'"));
        Assert.Equal(4L * (pipelines - 1), Scalar(db, "select count(*) from runs where kind = 'step' and status = 'cached'"));
        Assert.Equal(0L, Scalar(db, "select count(*) from (select parent_run_id, node_instance_id from runs where kind = 'step' group by 1, 2 having count(*) > 1)"));
        Assert.Equal(pipelines, Scalar(db, "select count(*) from runs where kind = 'pipeline' and status = 'succeeded'"));
        Assert.Equal(0L, Scalar(db, "select count(*) from step_attempts where ended_at is null"));
        Assert.Equal(1L, Scalar(db, "select count(*) from model_versions"));
        Assert.Equal(0L, Scalar(db, "select count(*) from runs where status = 'running'"));
    }

    [Fact]
    public void A_step_submitted_just_before_kill_9_but_never_recorded_is_adopted_not_run_again()
    {
        // Steps submit without waiting for the store: a mlpc killed then leaves a running step
        // that the store knows nothing of. Deleting the attempt rows recreates that state. The step
        // runs long enough for the second mlpc to start and find it still running, even under load.
        Write(Pipeline.Replace("sleep 0.3; seq", "echo $$ > make.pid; sleep 6; seq", StringComparison.Ordinal));
        using var process = MlpcProcess.Start(dir, "run", "p.mlp");
        WaitForStep("make.pid");
        process.Kill(entireProcessTree: false);
        process.WaitForExit();
        using (var db = new SqliteConnection($"Data Source={Path.Combine(dir, ".mlp", "tracking.db")};Pooling=False"))
        {
            db.Open();
            using var forget = db.CreateCommand();
            forget.CommandText = "delete from step_attempts";
            forget.ExecuteNonQuery();
        }

        var (code, stdout, stderr) = MlpcProcess.Run(dir, "run", "p.mlp");
        Assert.True(code == 0, stdout + stderr);
        Assert.Equal(1, Runs("make"));
        Assert.Contains("following attempt 1", stdout + stderr);
    }

    [Fact]
    public void Ctrl_C_cancels_the_run_ends_its_steps_and_the_run_can_be_resumed()
    {
        Write(Pipeline.Replace("sleep 0.3; seq", "echo $$ > make.pid; sleep 30; seq", StringComparison.Ordinal));
        using var process = MlpcProcess.Start(dir, "run", "p.mlp");
        var pidFile = WaitForStep("make.pid");
        Thread.Sleep(200);
        Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
        Assert.True(process.WaitForExit(30_000), "mlpc did not stop on Ctrl-C");
        Assert.Equal(130, process.ExitCode);
        var stdout = process.StandardOutput.ReadToEnd();
        Assert.Contains("cancelled", stdout);
        var pid = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.False(Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z", StringComparison.Ordinal), "the step outlived the cancel");
    }

    [Fact]
    public void A_cancel_that_outlasts_two_seconds_still_ends_with_the_run_recorded_as_cancelled()
    {
        // The step ignores SIGTERM, so mlpc ends it with SIGKILL after its grace (2 s): the cancel
        // takes longer than the two seconds after which System.CommandLine's own signal handling
        // would end the process before the run is recorded.
        Write(Pipeline.Replace("sleep 0.3; seq", "trap '' TERM; echo $$ > make.pid; sleep 30; seq", StringComparison.Ordinal));
        using var process = MlpcProcess.Start(dir, "run", "p.mlp");
        WaitForStep("make.pid");
        Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
        Assert.True(process.WaitForExit(30_000), "mlpc did not stop on SIGTERM");
        var stdout = process.StandardOutput.ReadToEnd();
        Assert.Equal(130, process.ExitCode);
        Assert.Contains("cancelled", stdout);
        Assert.Contains("resume it with", stdout);
        using var db = new SqliteConnection($"Data Source={Path.Combine(dir, ".mlp", "tracking.db")};Pooling=False");
        db.Open();
        Assert.Equal(0L, Scalar(db, "select count(*) from runs where status = 'running'"));
    }

    /// <summary>Waits (up to 30 s) for a file a step writes when it starts; its path.</summary>
    private string WaitForStep(string name)
    {
        var path = Path.Combine(dir, name);
        for (var i = 0; i < 600 && !File.Exists(path); i++)
        {
            Thread.Sleep(50);
        }

        Assert.True(File.Exists(path), "the step never started");
        return path;
    }

    private static long Scalar(SqliteConnection db, string sql)
    {
        using var command = db.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }
}

/// <summary>mlpc sweep end to end: trials as tracked child runs of a real pipeline, show, and resume after kill -9.</summary>
public sealed class SweepRunCommandTests : IDisposable
{
    private readonly string dir = MlpcProcess.TempDir();

    public void Dispose()
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    // prep does not read the swept parameter: the cache runs it once for the whole sweep.
    private const string Source = """
        type Score = { value: float }
        step prep() -> (d: File) {
          run = "echo prep >> ran-prep; echo 3 > ${out.d}"
        }
        step f(d: File, x: float) -> (s: Score) {
          run = "echo f >> ran-f; sleep 0.4; /usr/bin/python3 -c 'import json,sys; x=float(sys.argv[1]); json.dump({\"value\": -(x-0.3)**2}, open(sys.argv[2], \"w\"))' ${x} ${out.s}"
        }
        pipeline p(x: float = 0.5) -> (s: Score) {
          let a = prep()
          let b = f(d: a.d, x: x)
          return { s: b.s }
        }
        sweep tune over p {
          x ~ uniform(0.0, 1.0)
          objective = maximize s.value
          sampler   = random
          trials    = 6
          parallel  = 2
          seed      = 3
        }
        """;

    private int Lines(string name) => File.Exists(Path.Combine(dir, name)) ? File.ReadAllLines(Path.Combine(dir, name)).Length : 0;

    [Fact]
    public void A_sweep_runs_its_trials_as_child_runs_sharing_the_cache_and_shows_the_best()
    {
        File.WriteAllText(Path.Combine(dir, "s.mlp"), Source);
        var (code, stdout, stderr) = MlpcProcess.Run(dir, "sweep", "s.mlp");
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("completed: 6 succeeded", stdout);
        Assert.Equal(1, Lines("ran-prep"));
        Assert.Equal(6, Lines("ran-f"));
        var sweepId = stdout.Split('\n').First(l => l.StartsWith("sweep ", StringComparison.Ordinal)).Split(' ')[1];
        var csv = Path.Combine(dir, "trials.csv");
        var show = MlpcProcess.Run(dir, "sweep", "show", sweepId, "--csv", csv);
        Assert.True(show.ExitCode == 0, show.Stdout + show.Stderr);
        Assert.Contains("best", show.Stdout, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(7, File.ReadAllLines(csv).Length); // header + 6 trials
        var trials = MlpcProcess.Run(dir, "runs", "search", "kind = 'trial'");
        Assert.Equal(6, trials.Stdout.Split('\n').Count(l => l.Contains(sweepId, StringComparison.Ordinal)));
    }

    [Fact]
    public void A_sweep_killed_with_kill_9_resumes_keeping_its_finished_trials()
    {
        File.WriteAllText(Path.Combine(dir, "s.mlp"), Source);
        using (var process = MlpcProcess.Start(dir, "sweep", "s.mlp"))
        {
            for (var i = 0; i < 600 && Lines("ran-f") < 3; i++)
            {
                Thread.Sleep(50);
            }

            Thread.Sleep(300);
            process.Kill(entireProcessTree: false);
            process.WaitForExit();
        }

        var before = Lines("ran-f");
        Assert.True(before < 6 + 2, "the sweep had finished before the kill");
        var (code, stdout, stderr) = MlpcProcess.Run(dir, "sweep", "s.mlp", "--resume");
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("6 succeeded", stdout);
        Assert.Equal(1, Lines("ran-prep"));

        // Finished trials were kept: at most the trials running at the kill ran again.
        Assert.True(Lines("ran-f") <= 6 + 2, $"f ran {Lines("ran-f")} times");
        using var db = new SqliteConnection($"Data Source={Path.Combine(dir, ".mlp", "tracking.db")}");
        db.Open();
        using var command = db.CreateCommand();
        command.CommandText = "select count(*) from runs where kind = 'trial'";
        Assert.Equal(6L, (long)command.ExecuteScalar()!);
    }
}
