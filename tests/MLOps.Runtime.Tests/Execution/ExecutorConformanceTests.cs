using MLOps.Plan;
using MLOps.Runtime.Execution;

namespace MLOps.Runtime.Tests.Execution;

/// <summary>
/// What every executor must do, whatever its backend: run a command, report success and exit
/// codes, pass the environment, keep the logs, and end everything on cancel. Backends subclass it.
/// </summary>
public abstract class ExecutorConformanceTests : IAsyncLifetime
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "mlpc-exec-" + Guid.NewGuid().ToString("N"));

    protected IExecutor Executor { get; private set; } = null!;

    /// <summary>The folder the nodes' work folders and logs live in (shared with the backend's machines).</summary>
    protected string Root => root;

    /// <summary>The target the suite's nodes run on.</summary>
    protected virtual PlanTarget Target => new("local", "local", []);

    /// <summary>The executor under test; a backend that cannot run here calls <c>Skip.If</c> with the reason.</summary>
    protected abstract IExecutor CreateExecutor();

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(root);
        Executor = CreateExecutor();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await Executor.DisposeAsync();
        Directory.Delete(root, recursive: true);
    }

    protected ResolvedNode Node(string command, Dictionary<string, string>? env = null, string id = "n") => new()
    {
        RunId = "run-1",
        NodeInstanceId = id,
        Attempt = 1,
        Command = command,
        Env = env ?? [],
        Resources = new PlanResources(1, 0, 0, null),
        Target = Target,
        WorkDir = Path.Combine(root, id),
        StdoutPath = Path.Combine(root, id, "stdout.log"),
        StderrPath = Path.Combine(root, id, "stderr.log"),
    };

    protected async Task<ExecutionStatus> WaitAsync(ExecutionHandle handle, TimeSpan? limit = null)
    {
        var deadline = DateTime.UtcNow + (limit ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            var status = (await Executor.GetStatusesAsync([handle], CancellationToken.None))[0];
            if (status.State.IsTerminal())
            {
                return status;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{handle.NodeInstanceId} still {status.State} after the limit");
            await Task.Delay(50);
        }
    }

    protected async Task<string> LogAsync(ExecutionHandle handle, LogStream stream)
    {
        var parts = new List<string>();
        await foreach (var part in Executor.ReadLogAsync(handle, stream, 0, follow: false, CancellationToken.None))
        {
            parts.Add(part);
        }

        return string.Concat(parts);
    }

    [SkippableFact]
    public async Task A_successful_command_succeeds_and_keeps_its_output()
    {
        var handle = await Executor.SubmitAsync(Node("echo hello; echo oops >&2"), CancellationToken.None);
        var status = await WaitAsync(handle);
        Assert.Equal(ExecutionState.Succeeded, status.State);
        Assert.Equal(0, status.ExitCode);
        Assert.Equal("hello\n", await LogAsync(handle, LogStream.Stdout));
        Assert.Equal("oops\n", await LogAsync(handle, LogStream.Stderr));
    }

    [SkippableFact]
    public async Task A_failing_command_reports_its_exit_code()
    {
        var status = await WaitAsync(await Executor.SubmitAsync(Node("exit 3"), CancellationToken.None));
        Assert.Equal(ExecutionState.Failed, status.State);
        Assert.Equal(3, status.ExitCode);
        Assert.Contains("3", status.Message);
    }

    [SkippableFact]
    public async Task The_environment_reaches_the_command()
    {
        var handle = await Executor.SubmitAsync(Node("printf '%s' \"$MLP_TEST_VALUE\"", new() { ["MLP_TEST_VALUE"] = "a b'c" }), CancellationToken.None);
        Assert.Equal(ExecutionState.Succeeded, (await WaitAsync(handle)).State);
        Assert.Equal("a b'c", await LogAsync(handle, LogStream.Stdout));
    }

    [SkippableFact]
    public async Task Cancel_ends_the_command_and_everything_it_started()
    {
        var pidFile = Path.Combine(root, "grandchild.pid");
        var handle = await Executor.SubmitAsync(Node($"sleep 300 & echo $! > {pidFile}; wait"), CancellationToken.None);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!File.Exists(pidFile) || File.ReadAllText(pidFile).Trim().Length == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the command never started its child");
            await Task.Delay(20);
        }

        var grandchild = int.Parse(File.ReadAllText(pidFile).Trim());
        Assert.True(Directory.Exists($"/proc/{grandchild}"));
        await Executor.CancelAsync(handle, CancellationToken.None);
        var status = await WaitAsync(handle, TimeSpan.FromSeconds(10));
        Assert.Equal(ExecutionState.Cancelled, status.State);
        await Task.Delay(200);
        Assert.False(IsLiveProcess(grandchild), $"grandchild {grandchild} survived the cancel");
    }

    [SkippableFact]
    public async Task Logs_can_be_followed_while_the_command_runs()
    {
        var handle = await Executor.SubmitAsync(Node("for i in 1 2 3; do echo line$i; sleep 0.2; done"), CancellationToken.None);
        var text = new System.Text.StringBuilder();
        await foreach (var part in Executor.ReadLogAsync(handle, LogStream.Stdout, 0, follow: true, CancellationToken.None))
        {
            text.Append(part);
        }

        Assert.Equal("line1\nline2\nline3\n", text.ToString());
    }

    [SkippableFact]
    public async Task A_node_with_cpu_and_memory_requests_runs_with_them()
    {
        var node = Node("echo ok") with { Resources = new PlanResources(2, 128L << 20, 0, null) };
        var handle = await Executor.SubmitAsync(node, CancellationToken.None);
        Assert.Equal(ExecutionState.Succeeded, (await WaitAsync(handle)).State);
        Assert.Equal("ok\n", await LogAsync(handle, LogStream.Stdout));
    }

    [SkippableFact]
    public async Task A_node_past_its_timeout_ends_when_cancelled_at_the_timeout()
    {
        // The runtime cancels a node at its timeout; a backend may also end it itself (TimedOut).
        var handle = await Executor.SubmitAsync(Node("echo started; sleep 300") with { TimeoutSeconds = 1 }, CancellationToken.None);
        await Task.Delay(1500);
        await Executor.CancelAsync(handle, CancellationToken.None);
        var status = await WaitAsync(handle, TimeSpan.FromSeconds(20));
        Assert.Contains(status.State, new[] { ExecutionState.Cancelled, ExecutionState.TimedOut });
    }

    private static bool IsLiveProcess(int pid)
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
}
