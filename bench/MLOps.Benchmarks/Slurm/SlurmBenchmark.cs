using System.Diagnostics;
using System.Globalization;
using MLOps.Backends.Slurm;
using MLOps.Plan;
using MLOps.Runtime.Execution;

namespace MLOps.Benchmarks.Slurm;

/// <summary>
/// mlpc's Slurm executor against plain <c>sbatch</c> of the same script, in the same run, on the
/// local Slurm of scripts/slurm/start.sh (source /var/lib/mlpc-slurm/slurm.env first):
/// submit-to-start latency and per-job overhead, then a 100-way fan-out as one job array
/// against 100 single submissions. Args: [jobs=20] [fanout=100].
/// </summary>
public sealed class SlurmBenchmark : IBenchmark
{
    public string Name => "slurm";

    public string Description => "Slurm: submit-to-start latency vs sbatch; job array vs single submissions";

    public async Task RunAsync(string[] args)
    {
        var jobs = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 20;
        var fanout = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 100;
        var env = LoadEnv();
        string? Lookup(string n) => env.TryGetValue(n, out var v) ? v : Environment.GetEnvironmentVariable(n);
        var target = new PlanTarget("bench", "slurm", [
            new("partition", PlanValue.Of(Lookup("MLPC_SLURM_PARTITION") ?? "debug")),
            new("poll_interval", PlanValue.Of(0.05)),
            new("url", PlanValue.Of(Lookup("SLURMRESTD_URL") ?? throw new InvalidOperationException("SLURMRESTD_URL is not set: run scripts/slurm/start.sh and source /var/lib/mlpc-slurm/slurm.env"))),
            new("user", PlanValue.Of(Lookup("SLURM_USER_NAME") ?? "root"))]);
        await using var executor = await SlurmExecutor.CreateAsync(target, Lookup);
        var root = Path.Combine(Path.GetTempPath(), "mlpc-bench", "slurm-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        try
        {
            await LatencyAsync(executor, target, root, jobs, Lookup);
            await FanOutAsync(executor, target, root, fanout);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static async Task LatencyAsync(SlurmExecutor executor, PlanTarget target, string root, int jobs, Func<string, string?> lookup)
    {
        // The job writes its own start time; a sequence of jobs, alternating mlpc and sbatch.
        var mlpc = new Samples();
        var sbatch = new Samples();
        for (var i = 0; i < jobs; i++)
        {
            var dir = Path.Combine(root, "lat", i.ToString(CultureInfo.InvariantCulture));
            Directory.CreateDirectory(dir);
            var node = Node(target, $"lat{i}", dir, "date +%s.%N > started");

            var t0 = Now();
            var handle = await executor.SubmitAsync(node, CancellationToken.None);
            var submitted = Now();
            var status = await WaitAsync(executor, handle);
            var observed = Now();
            if (status.State != ExecutionState.Succeeded)
            {
                throw new InvalidOperationException($"mlpc job {handle.Id}: {status.State} {status.Message}");
            }

            mlpc.Add(submitted - t0, Started(dir) - t0, observed - t0);

            var sdir = Path.Combine(dir, "sbatch");
            Directory.CreateDirectory(sdir);
            var script = Path.Combine(sdir, "job.sh");
            File.WriteAllText(script, SlurmBatchScript.ForNode(node with { WorkDir = sdir }));
            t0 = Now();
            var id = Run(lookup, "sbatch", "--parsable", "--job-name=bench", "--cpus-per-task=1", $"--chdir={sdir}", $"--output={sdir}/stdout.log", $"--error={sdir}/stderr.log", script).Split(';')[0];
            submitted = Now();
            while (Run(lookup, "squeue", "-h", "-j", id, "-o", "%T").Length > 0)
            {
                await Task.Delay(50);
            }

            observed = Now();
            sbatch.Add(submitted - t0, Started(sdir) - t0, observed - t0);
        }

        Console.WriteLine();
        Console.WriteLine($"### Submit-to-start latency and per-job overhead ({jobs} jobs each, one after another, status polled every 50 ms)");
        Console.WriteLine();
        Console.WriteLine("| path | submit call p50 / p95 (ms) | submit → job starts p50 / p95 (ms) | submit → seen finished p50 / p95 (ms) |");
        Console.WriteLine("|---|---:|---:|---:|");
        Console.WriteLine($"| mlpc `SlurmExecutor` (REST) | {mlpc.Row()}");
        Console.WriteLine($"| `sbatch` + `squeue` polling | {sbatch.Row()}");
    }

    private static async Task FanOutAsync(SlurmExecutor executor, PlanTarget target, string root, int fanout)
    {
        Console.WriteLine();
        Console.WriteLine($"### {fanout}-way fan-out (`true` per step, 1 cpu each, the node has {Environment.GetEnvironmentVariable("MLPC_SLURM_CPUS") ?? "4"} Slurm cpus)");
        Console.WriteLine();
        Console.WriteLine("| submission | requests to submit | submit time (ms) | submit → all finished (ms) | status requests while waiting |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        foreach (var array in new[] { true, false })
        {
            var nodes = Enumerable.Range(0, fanout)
                .Select(i => Node(target, $"fit[{i}]", Path.Combine(root, array ? "array" : "single", i.ToString(CultureInfo.InvariantCulture)), "true"))
                .ToList();
            var before = executor.RequestCount;
            var t0 = Now();
            IReadOnlyList<ExecutionHandle> handles;
            if (array)
            {
                handles = await executor.SubmitBatchAsync(nodes, CancellationToken.None);
            }
            else
            {
                var list = new List<ExecutionHandle>();
                foreach (var n in nodes)
                {
                    list.Add(await executor.SubmitAsync(n, CancellationToken.None));
                }

                handles = list;
            }

            var submitted = Now();
            var submitRequests = executor.RequestCount - before;
            before = executor.RequestCount;
            while (true)
            {
                var statuses = await executor.GetStatusesAsync(handles, CancellationToken.None);
                if (statuses.All(s => s.State.IsTerminal()))
                {
                    var failed = statuses.Count(s => s.State != ExecutionState.Succeeded);
                    if (failed > 0)
                    {
                        throw new InvalidOperationException($"{failed} of {fanout} jobs did not succeed: {statuses.First(s => s.State != ExecutionState.Succeeded)}");
                    }

                    break;
                }

                await Task.Delay(200);
            }

            var done = Now();
            Console.WriteLine($"| {(array ? "one job array (`SubmitBatchAsync`)" : $"{fanout} single jobs (`SubmitAsync`)")} | {submitRequests} | {F(submitted - t0)} | {F(done - t0)} | {executor.RequestCount - before} |");
        }
    }

    private static ResolvedNode Node(PlanTarget target, string id, string dir, string command) => new()
    {
        RunId = "bench",
        NodeInstanceId = id,
        Attempt = 1,
        Command = command,
        Env = new Dictionary<string, string> { ["MLP_NODE_ID"] = id },
        Resources = new PlanResources(1, 0, 0, null),
        Target = target,
        WorkDir = dir,
        StdoutPath = Path.Combine(dir, "stdout.log"),
        StderrPath = Path.Combine(dir, "stderr.log"),
    };

    private static async Task<ExecutionStatus> WaitAsync(IExecutor executor, ExecutionHandle handle)
    {
        while (true)
        {
            var s = (await executor.GetStatusesAsync([handle], CancellationToken.None))[0];
            if (s.State.IsTerminal())
            {
                return s;
            }

            await Task.Delay(50);
        }
    }

    private static double Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;

    private static double Started(string dir) => double.Parse(File.ReadAllText(Path.Combine(dir, "started")).Trim(), CultureInfo.InvariantCulture);

    private static string Run(Func<string, string?> lookup, string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        if (lookup("SLURM_CONF") is { } conf)
        {
            psi.Environment["SLURM_CONF"] = conf;
        }

        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{tool} {string.Join(' ', args)}: {p.StandardError.ReadToEnd()}");
        }

        return output.Trim();
    }

    private static Dictionary<string, string> LoadEnv()
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        var file = Environment.GetEnvironmentVariable("MLPC_SLURM_ENV") ?? "/var/lib/mlpc-slurm/slurm.env";
        if (File.Exists(file))
        {
            foreach (var line in File.ReadAllLines(file))
            {
                var text = line.StartsWith("export ", StringComparison.Ordinal) ? line[7..] : line;
                var eq = text.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0)
                {
                    env[text[..eq]] = text[(eq + 1)..];
                }
            }
        }

        return env;
    }

    private static string F(double seconds) => (seconds * 1000).ToString("N0", CultureInfo.InvariantCulture);

    private sealed class Samples
    {
        private readonly List<double> submit = [];
        private readonly List<double> start = [];
        private readonly List<double> end = [];

        public void Add(double submitCall, double started, double finished)
        {
            submit.Add(submitCall);
            start.Add(started);
            end.Add(finished);
        }

        public string Row() => $"{P(submit)} | {P(start)} | {P(end)} |";

        private static string P(List<double> v) => $"{F(Percentile(v, 50))} / {F(Percentile(v, 95))}";

        private static double Percentile(List<double> values, double p)
        {
            var sorted = values.Order().ToArray();
            return sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
        }
    }
}
