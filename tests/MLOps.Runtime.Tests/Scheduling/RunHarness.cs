using MLOps.Language;
using MLOps.Language.Lowering;
using MLOps.Plan;
using MLOps.Runtime.Execution;
using MLOps.Runtime.Scheduling;
using MLOps.Tracking;

namespace MLOps.Runtime.Tests.Scheduling;

/// <summary>
/// A project folder with a real SQLite store: compiles .mlp text with the real compiler and runs
/// its plan with the real scheduler and local executor.
/// </summary>
internal sealed class RunHarness : IAsyncDisposable
{
    public RunHarness()
    {
        Directory.CreateDirectory(Root);
        Stores = TrackingStoreFactory.Open(".mlp/", Root);
    }

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "mlpc-run-" + Guid.NewGuid().ToString("N"));

    public TrackingStores Stores { get; }

    public MachineResources Machine { get; init; } = new(4, 8L << 30, 0);

    public List<string> Messages { get; } = [];

    public static ExecutionPlan Compile(string source, params (string Name, string Value)[] parameters)
    {
        var compilation = Compilation.FromText("test.mlp", source);
        var result = PlanBuilder.Build(compilation, new BuildOptions { Params = [.. parameters.Select(p => new KeyValuePair<string, string>(p.Name, p.Value))] });
        Assert.True(result.Plan is not null, string.Join("\n", result.Diagnostics.Select(d => d.ToString())));
        return result.Plan!;
    }

    /// <summary>
    /// Runs <paramref name="plan"/>; <paramref name="stores"/> stands in for <see cref="Stores"/> (a store
    /// that fails on purpose) and <paramref name="onMetric"/> hears each metric point as it is read.
    /// </summary>
    public async Task<RunResult> RunAsync(ExecutionPlan plan, CancellationToken cancellationToken = default, int maxParallel = 4, string? resume = null, TrackingStores? stores = null, Action<Tracking.Runs.MetricPoint>? onMetric = null)
    {
        await using var executors = new ExecutorProvider();
        var runner = new PlanRunner(stores ?? Stores, executors, new Recorder(Messages), Machine);
        var json = PlanJson.Write(plan);
        return await runner.RunAsync(new RunRequest
        {
            Plan = plan,
            PlanDigest = PlanRunner.DigestOf(json),
            ProjectDirectory = Root,
            WorkRoot = Path.Combine(Root, ".mlp", "runs"),
            MaxParallel = maxParallel,
            ResumeRunId = resume,
            PollInterval = TimeSpan.FromMilliseconds(100),
            OnMetric = onMetric,
        }, cancellationToken);
    }

    public string Read(string relative) => File.ReadAllText(Path.Combine(Root, relative));

    /// <summary>How many times a step appended its marker to <c>ran-NAME</c>: how often it really ran.</summary>
    public int Runs(string name) => File.Exists(Path.Combine(Root, "ran-" + name)) ? File.ReadAllLines(Path.Combine(Root, "ran-" + name)).Length : 0;

    public async ValueTask DisposeAsync()
    {
        await Stores.DisposeAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private sealed class Recorder(List<string> messages) : IRunObserver
    {
        public void Warning(string message)
        {
            lock (messages)
            {
                messages.Add("warning: " + message);
            }
        }

        public void Info(string message)
        {
            lock (messages)
            {
                messages.Add(message);
            }
        }
    }
}
