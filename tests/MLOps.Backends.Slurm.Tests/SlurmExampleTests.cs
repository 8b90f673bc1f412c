using System.Collections.Immutable;
using System.Text.Json;
using MLOps.Plan;
using MLOps.Runtime.Execution;
using MLOps.Runtime.Scheduling;
using MLOps.Tracking;
using MLOps.Tracking.Runs;

namespace MLOps.Backends.Slurm.Tests;

/// <summary>
/// examples/slurm end to end on the local Slurm, through the executor: every node of its golden plan
/// runs as a Slurm job in dependency order, outputs handed on as the scheduler will hand them on.
/// (Once <c>mlpc run</c> exists, the same example also runs through the runtime.)
/// </summary>
public sealed class SlurmExampleTests
{
    private static readonly string RepoRoot = FindRoot();

    [SkippableFact]
    public async Task The_slurm_example_runs_end_to_end_on_the_slurm_target()
    {
        SlurmService.Require();
        var plan = PlanJsonReader.Read(File.ReadAllText(Path.Combine(RepoRoot, "examples/slurm/slurm.plan.json")));
        var target = Assert.Single(plan.Targets);
        Assert.Equal("slurm", target.Kind);
        await using var executor = await SlurmExecutor.CreateAsync(target, SlurmService.Lookup);
        var run = Path.Combine(Path.GetTempPath(), "mlpc-slurm-example-" + Guid.NewGuid().ToString("N"));
        var outputs = new Dictionary<(string Node, string Output), string>();
        try
        {
            foreach (var node in plan.Nodes)
            {
                Assert.All(node.DependsOn, d => Assert.Contains(outputs.Keys, k => k.Node == d));
                var workDir = Path.Combine(run, node.Id);
                var command = node.Command.Replace("examples/quickstart/", RepoRoot + "/examples/quickstart/", StringComparison.Ordinal);
                foreach (var output in node.Outputs)
                {
                    var path = Path.Combine(workDir, "out", output.Name);
                    outputs[(node.Id, output.Name)] = path;
                    command = command.Replace("{{out." + output.Name + "}}", path, StringComparison.Ordinal);
                }

                foreach (var input in node.Inputs)
                {
                    if (input.Value is OutputRefExpr r)
                    {
                        command = command.Replace("{{in." + input.Name + "}}", outputs[(r.Node, r.Output)], StringComparison.Ordinal);
                    }
                }

                Directory.CreateDirectory(Path.Combine(workDir, "out"));
                var resolved = new ResolvedNode
                {
                    RunId = "example",
                    NodeInstanceId = node.Id,
                    Attempt = 1,
                    Command = command,
                    Env = new Dictionary<string, string> { ["MLP_RUN_ID"] = "example", ["MLP_NODE_ID"] = node.Id, ["MLP_METRICS_FILE"] = Path.Combine(workDir, "metrics.jsonl") },
                    Resources = node.Resources,
                    TimeoutSeconds = node.TimeoutSeconds,
                    Target = plan.Targets.Single(t => t.Name == node.Target),
                    WorkDir = workDir,
                    StdoutPath = Path.Combine(workDir, "stdout.log"),
                    StderrPath = Path.Combine(workDir, "stderr.log"),
                };
                var handle = await executor.SubmitAsync(resolved, CancellationToken.None);
                var log = new System.Text.StringBuilder();
                await foreach (var part in executor.ReadLogAsync(handle, LogStream.Stderr, 0, follow: true, CancellationToken.None))
                {
                    log.Append(part);
                }

                var status = (await executor.GetStatusesAsync([handle], CancellationToken.None))[0];
                Assert.True(status.State == ExecutionState.Succeeded, $"{node.Id}: {status.State} {status.Message}\n{log}");
            }

            using var metrics = JsonDocument.Parse(File.ReadAllText(outputs[("evaluate", "metrics")]));
            Assert.True(metrics.RootElement.GetProperty("auc").GetDouble() > 0.7);
            Assert.True(File.Exists(outputs[("train", "model")]));
            Assert.NotEmpty(File.ReadAllLines(Path.Combine(run, "train", "metrics.jsonl")));
        }
        finally
        {
            if (Directory.Exists(run))
            {
                Directory.Delete(run, recursive: true);
            }
        }
    }

    [SkippableFact]
    public async Task The_slurm_example_runs_through_the_runtime_on_slurm()
    {
        SlurmService.Require();
        var plan = PlanJsonReader.Read(File.ReadAllText(Path.Combine(RepoRoot, "examples/slurm/slurm.plan.json")));
        var work = Path.Combine(Path.GetTempPath(), "mlpc-slurm-run-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            await using var stores = TrackingStoreFactory.Open(".mlp/", work);
            await using var executors = new ExecutorProvider().AddSlurm(SlurmService.Lookup);
            var runner = new PlanRunner(stores, executors);
            var result = await runner.RunAsync(new RunRequest
            {
                Plan = plan,
                PlanDigest = PlanRunner.DigestOf(PlanJson.Write(plan)),
                ProjectDirectory = RepoRoot,
                WorkRoot = Path.Combine(work, "runs"),
                MaxParallel = 2,
                PollInterval = TimeSpan.FromMilliseconds(200),
            }, CancellationToken.None);
            Assert.True(result.Status == RunStatus.Succeeded, result.Message + "\n" + string.Join("\n", result.Steps.Select(s => $"{s.InstanceId}: {s.State} {s.Message}")));
            Assert.All(result.Steps, s => Assert.Equal(StepState.Succeeded, s.State));
            Assert.Equal(["evaluate", "generate", "train"], result.Steps.Select(s => s.InstanceId).Order(StringComparer.Ordinal));
            Assert.Contains("slurm-quickstart", string.Join(",", result.Registered));
            var attempts = await stores.Runs.GetAttemptsAsync(result.RunId, CancellationToken.None);
            Assert.All(attempts, a => Assert.Equal("slurm", a.Executor));
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MLOps.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("no MLOps.sln above " + AppContext.BaseDirectory);
    }
}
