using System.Diagnostics;
using System.Globalization;
using System.Text;
using MLOps.Plan;
using MLOps.Runtime.Execution;
using MLOps.Runtime.Sweeps;
using MLOps.Tracking.Runs;
using Xunit.Abstractions;

namespace MLOps.Runtime.Tests.Sweeps;

/// <summary>
/// A pruned trial's processes are ended: trials are real shell processes run by
/// <see cref="LocalExecutor"/> that print "step value" lines; the runner streams them to the
/// engine, and when the pruner stops a trial the runner cancels it on the executor.
/// </summary>
public sealed class ProcessPruningTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_pruned_trial_has_its_whole_process_tree_ended_and_is_marked_pruned()
    {
        await using var temp = new TempStore();
        await using var executor = new LocalExecutor { KillGrace = TimeSpan.FromMilliseconds(500) };
        var runner = new ShellTrialRunner(executor, Path.Combine(temp.Folder, "work"));
        var space = new SearchSpace([new ChoiceDimension("quality", [PlanValue.Of("good"), PlanValue.Of("bad")])]);
        var pruner = new PlanAlgorithm("asha", [new("metric", PlanValue.Of("loss")), new("grace_period", PlanValue.Of(1L)), new("reduction_factor", PlanValue.Of(2.0))]);
        var definition = SweepDefinition.Create("prune", space, ObjectiveDirection.Minimize, "grid", new SweepBudget(2, 1), pruner: pruner);

        var result = await new SweepEngine(definition, runner, temp.Store, new SweepRunOptions { SweepRunId = "p", Experiment = "prune" }).RunAsync();

        Assert.Equal(RunStatus.Succeeded, result.Trials[0].Status);
        Assert.Equal(0.1, result.Trials[0].Objective);
        var pruned = result.Trials[1];
        Assert.Equal(RunStatus.Pruned, pruned.Status);
        Assert.Equal(RunStatus.Pruned, (await temp.Store.GetRunAsync(pruned.RunId))!.Status);

        // The shell and the child it started in the background are both gone.
        var shell = int.Parse(File.ReadAllText(Path.Combine(temp.Folder, "work", "1", "shell.pid")).Trim(), CultureInfo.InvariantCulture);
        var child = int.Parse(File.ReadAllText(Path.Combine(temp.Folder, "work", "1", "child.pid")).Trim(), CultureInfo.InvariantCulture);
        Assert.False(Alive(shell), $"shell {shell} still runs");
        Assert.False(Alive(child), $"background child {child} still runs");
        output.WriteLine($"processes ended {runner.EndedAfterPrune.TotalMilliseconds:0} ms after the prune decision");
    }

    /// <summary>Running (not gone and not a zombie waiting to be reaped).</summary>
    private static bool Alive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    private sealed class ShellTrialRunner(IExecutor executor, string root) : ITrialRunner
    {
        public TimeSpan EndedAfterPrune { get; private set; }

        public async Task<TrialOutcome> RunTrialAsync(TrialSpec spec, ITrialReporter reporter, CancellationToken cancellationToken)
        {
            var quality = spec.Parameters.Single(p => p.Key == "quality").Value.ToCommandText();

            // good: three improving steps, then exit 0. bad: a background child, then steps forever.
            var command = quality == "good"
                ? "echo $$ > shell.pid; for i in 1 2 3; do echo \"$i 0.$((4 - i))\"; sleep 0.05; done"
                : "echo $$ > shell.pid; sleep 1000 >/dev/null 2>&1 & echo $! > child.pid; i=1; while true; do echo \"$i 9\"; i=$((i+1)); sleep 0.05; done";
            var dir = Path.Combine(root, spec.Number.ToString(CultureInfo.InvariantCulture));
            var handle = await executor.SubmitAsync(
                new ResolvedNode
                {
                    RunId = spec.RunId,
                    NodeInstanceId = "train",
                    Attempt = spec.Attempt,
                    Command = command,
                    Env = new Dictionary<string, string>(),
                    Resources = new PlanResources(1, 0, 0, null),
                    Target = new PlanTarget("local", "local", []),
                    WorkDir = dir,
                    StdoutPath = Path.Combine(dir, "stdout.log"),
                    StderrPath = Path.Combine(dir, "stderr.log"),
                },
                CancellationToken.None);
            var last = double.NaN;
            var pending = new StringBuilder();
            try
            {
                await foreach (var text in executor.ReadLogAsync(handle, LogStream.Stdout, 0, follow: true, cancellationToken))
                {
                    pending.Append(text);
                    var lines = pending.ToString().Split('\n');
                    pending.Clear().Append(lines[^1]);
                    foreach (var line in lines[..^1])
                    {
                        var parts = line.Split(' ');
                        last = double.Parse(parts[1], CultureInfo.InvariantCulture);
                        reporter.Report("loss", long.Parse(parts[0], CultureInfo.InvariantCulture), last);
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // Pruned (or the sweep stopped): fall through to end the processes.
            }

            if (cancellationToken.IsCancellationRequested)
            {
                var clock = Stopwatch.StartNew();
                await executor.CancelAsync(handle, CancellationToken.None);
                EndedAfterPrune = clock.Elapsed;
                return TrialOutcome.Cancelled();
            }

            var status = (await executor.GetStatusesAsync([handle], CancellationToken.None))[0];
            return status.State == ExecutionState.Succeeded ? TrialOutcome.Succeeded(last) : TrialOutcome.Failed(status.Message ?? "failed");
        }
    }
}
