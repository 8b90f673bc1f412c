using System.Diagnostics;
using MLOps.Plan;
using MLOps.Runtime.Execution;

namespace MLOps.Backends.Slurm.Tests;

/// <summary>The Slurm backend against the real local Slurm (scripts/slurm/start.sh): what the conformance suite does not cover.</summary>
public sealed class SlurmIntegrationTests : IAsyncLifetime
{
    private readonly string root = Path.Combine(Path.GetTempPath(), "mlpc-slurm-" + Guid.NewGuid().ToString("N"));
    private SlurmExecutor executor = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(root);
        SlurmService.Require();
        executor = await SlurmService.ExecutorAsync();
    }

    public async Task DisposeAsync()
    {
        if (executor is not null)
        {
            await executor.DisposeAsync();
        }

        Directory.Delete(root, recursive: true);
    }

    private ResolvedNode Node(string command, string id = "n", PlanResources? resources = null, double? timeout = null, Dictionary<string, string>? env = null) => new()
    {
        RunId = "run-it",
        NodeInstanceId = id,
        Attempt = 1,
        Command = command,
        Env = env ?? new() { ["MLP_STEP"] = id },
        Resources = resources ?? new PlanResources(1, 0, 0, null),
        TimeoutSeconds = timeout,
        Target = SlurmService.Target(),
        WorkDir = Path.Combine(root, id.Replace('[', '_').Replace(']', '_')),
        StdoutPath = Path.Combine(root, id.Replace('[', '_').Replace(']', '_'), "stdout.log"),
        StderrPath = Path.Combine(root, id.Replace('[', '_').Replace(']', '_'), "stderr.log"),
    };

    private async Task<ExecutionStatus> WaitAsync(ExecutionHandle handle, TimeSpan? limit = null, List<ExecutionState>? seen = null, SlurmExecutor? with = null)
    {
        var deadline = DateTime.UtcNow + (limit ?? TimeSpan.FromSeconds(90));
        while (true)
        {
            var status = (await (with ?? executor).GetStatusesAsync([handle], CancellationToken.None))[0];
            if (seen is not null && (seen.Count == 0 || seen[^1] != status.State))
            {
                seen.Add(status.State);
            }

            if (status.State.IsTerminal())
            {
                return status;
            }

            Assert.True(DateTime.UtcNow < deadline, $"{handle.NodeInstanceId} still {status.State} ({status.Message}) after the limit");
            await Task.Delay(100);
        }
    }

    private static string Read(string path) => File.Exists(path) ? File.ReadAllText(path) : "";

    [SkippableFact]
    public void The_server_is_asked_which_api_version_it_serves()
    {
        Assert.Equal("v0.0.38", executor.ApiVersion);
    }

    [SkippableFact]
    public async Task A_step_asking_for_one_gpu_sees_CUDA_VISIBLE_DEVICES()
    {
        var node = Node("echo \"gpus=$CUDA_VISIBLE_DEVICES\"", resources: new PlanResources(1, 0, 1, null));
        var status = await WaitAsync(await executor.SubmitAsync(node, CancellationToken.None));
        Assert.Equal(ExecutionState.Succeeded, status.State);
        // One of the node's two GPUs, whichever Slurm picked: not always the first (seen: gpus=1
        // in a fresh-clone CI run).
        Assert.Matches("^gpus=[01]\n$", Read(node.StdoutPath));
    }

    [SkippableFact]
    public async Task Three_gpus_on_a_two_gpu_node_are_refused_with_a_clear_message()
    {
        var node = Node("true", resources: new PlanResources(1, 0, 3, null));
        var e = await Assert.ThrowsAsync<SlurmApiException>(() => executor.SubmitAsync(node, CancellationToken.None));
        Assert.Contains("no node in partition 'debug' has what the step asks for", e.Message);
        Assert.Contains("gpu 3", e.Message);
        Assert.Contains("lower the step's resources", e.Message);
    }

    [SkippableFact]
    public async Task Cpu_and_memory_reach_the_job_as_cpus_per_task_and_memory_per_node()
    {
        var node = Node("echo \"$SLURM_CPUS_ON_NODE $SLURM_MEM_PER_NODE $SLURM_JOB_NAME\"", id: "fit[2]", resources: new PlanResources(2, 100L * 1024 * 1024, 0, null));
        var status = await WaitAsync(await executor.SubmitAsync(node, CancellationToken.None));
        Assert.Equal(ExecutionState.Succeeded, status.State);
        Assert.Equal("2 100 mlp:run-it:fit[2]:1\n", Read(node.StdoutPath));
    }

    [SkippableFact]
    public async Task A_step_over_its_memory_ends_out_of_memory_with_a_clear_message()
    {
        // dd fills a 400 MiB buffer; the job may use 64 MiB (cgroup memory limit).
        var node = Node("dd if=/dev/zero of=/dev/null bs=400M count=3", resources: new PlanResources(1, 64L * 1024 * 1024, 0, null));
        var status = await WaitAsync(await executor.SubmitAsync(node, CancellationToken.None));
        Assert.Equal(ExecutionState.OutOfMemory, status.State);
        Assert.Contains("more memory than its limit of 64 MiB", status.Message);
        Assert.Contains("raise the step's resources.memory", status.Message);
    }

    [SkippableFact]
    public async Task A_step_over_its_timeout_times_out_and_is_cancelled_through_the_api()
    {
        var node = Node("echo started; sleep 120", timeout: 2);
        var started = Stopwatch.StartNew();
        var status = await WaitAsync(await executor.SubmitAsync(node, CancellationToken.None), TimeSpan.FromSeconds(40));
        Assert.Equal(ExecutionState.TimedOut, status.State);
        Assert.Contains("timed out after 2 s", status.Message);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(30), $"took {started.Elapsed}");
        Assert.Equal("started\n", Read(node.StdoutPath));
    }

    [SkippableFact]
    public async Task A_job_requeued_during_the_run_is_followed_and_completes()
    {
        var marker = Path.Combine(root, "runs.txt");
        var node = Node($"echo run >> {marker}; sleep 3; echo finished");
        var handle = await executor.SubmitAsync(node, CancellationToken.None);
        var seen = new List<ExecutionState>();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (Read(marker).Length == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the job never started");
            await Task.Delay(50);
        }

        Assert.Equal(ExecutionState.Running, (await executor.GetStatusesAsync([handle], CancellationToken.None))[0].State);
        Scontrol("requeue", handle.Id);
        var status = await WaitAsync(handle, TimeSpan.FromSeconds(240), seen);
        Assert.Equal(ExecutionState.Succeeded, status.State);
        Assert.Equal("run\nrun\n", Read(marker));
        Assert.Contains(ExecutionState.Pending, seen);
        Assert.DoesNotContain(ExecutionState.Lost, seen);
        Assert.EndsWith("finished\n", Read(node.StdoutPath));
    }

    [SkippableFact]
    public async Task An_unknown_partition_is_refused_naming_the_property_to_fix()
    {
        await using var wrong = await SlurmService.ExecutorAsync(("partition", PlanValue.Of("nope")));
        var e = await Assert.ThrowsAsync<SlurmApiException>(() => wrong.SubmitAsync(Node("true"), CancellationToken.None));
        Assert.Contains("the cluster has no partition 'nope'", e.Message);
        Assert.Contains("set the target's 'partition'", e.Message);
        Assert.Contains("error 2000", e.Message);
    }

    [SkippableFact]
    public async Task A_bad_token_is_refused_when_the_executor_is_created()
    {
        var target = SlurmService.Target(("token_env", PlanValue.Of("MLPC_TEST_BAD_TOKEN")));
        var e = await Assert.ThrowsAsync<SlurmApiException>(() => SlurmExecutor.CreateAsync(target, n => n == "MLPC_TEST_BAD_TOKEN" ? "not-a-token" : SlurmService.Lookup(n)));
        Assert.Contains("token is invalid or expired", e.Message);
        Assert.Contains("MLPC_TEST_BAD_TOKEN", e.Message);
    }

    [SkippableFact]
    public async Task A_missing_token_variable_says_how_to_get_one()
    {
        var target = SlurmService.Target(("token_env", PlanValue.Of("MLPC_TEST_NO_TOKEN")));
        var e = await Assert.ThrowsAsync<SlurmConfigurationException>(() => SlurmExecutor.CreateAsync(target, n => n == "MLPC_TEST_NO_TOKEN" ? null : SlurmService.Lookup(n)));
        Assert.Contains("set the environment variable MLPC_TEST_NO_TOKEN", e.Message);
    }

    [SkippableFact]
    public async Task An_unreachable_url_says_so()
    {
        var target = SlurmService.Target(("url", PlanValue.Of("http://127.0.0.1:1")));
        var e = await Assert.ThrowsAsync<SlurmApiException>(() => SlurmExecutor.CreateAsync(target, SlurmService.Lookup));
        Assert.Contains("cannot reach slurmrestd at http://127.0.0.1:1/", e.Message);
    }

    [SkippableFact]
    public async Task A_token_minted_from_the_jwt_key_file_is_accepted()
    {
        Skip.If(SlurmService.JwtKeyFile is null || !File.Exists(SlurmService.JwtKeyFile), "no readable JWT key file");
        await using var minted = await SlurmService.ExecutorAsync(("token_env", PlanValue.Null), ("jwt_key_file", PlanValue.Of(SlurmService.JwtKeyFile!)));
        var node = Node("echo minted");
        Assert.Equal(ExecutionState.Succeeded, (await WaitAsync(await minted.SubmitAsync(node, CancellationToken.None), with: minted)).State);
        Assert.Equal("minted\n", Read(node.StdoutPath));
    }

    [SkippableTheory]
    [InlineData("v0.0.37")]
    [InlineData("v0.0.36")]
    public async Task Older_api_versions_work_too(string version)
    {
        var options = SlurmTargetOptions.FromTarget(SlurmService.Target(), SlurmService.Lookup) with { ApiVersion = version };
        await using var older = await SlurmExecutor.CreateAsync(options, SlurmTokenSource.For(options, SlurmService.Lookup), null, CancellationToken.None);
        var node = Node("echo out; echo err >&2; exit 4");
        var status = await WaitAsync(await older.SubmitAsync(node, CancellationToken.None), with: older);
        Assert.Equal(ExecutionState.Failed, status.State);
        Assert.Equal(4, status.ExitCode);
        Assert.Equal("out\n", Read(node.StdoutPath));
        Assert.Equal("err\n", Read(node.StderrPath));
    }

    [SkippableFact]
    public async Task Statuses_of_many_jobs_take_one_request()
    {
        var handles = new List<ExecutionHandle>();
        for (var i = 0; i < 4; i++)
        {
            handles.Add(await executor.SubmitAsync(Node($"exit {i}", id: $"s{i}"), CancellationToken.None));
        }

        var before = executor.RequestCount;
        var statuses = await executor.GetStatusesAsync(handles, CancellationToken.None);
        Assert.Equal(before + 1, executor.RequestCount);
        Assert.Equal(4, statuses.Count);
        foreach (var h in handles)
        {
            await WaitAsync(h);
        }

        var final = await executor.GetStatusesAsync(handles, CancellationToken.None);
        Assert.Equal([0, 1, 2, 3], final.Select(s => s.ExitCode ?? -1));
        Assert.Equal([ExecutionState.Succeeded, ExecutionState.Failed, ExecutionState.Failed, ExecutionState.Failed], final.Select(s => s.State));
    }

    [SkippableFact]
    public async Task A_fan_out_goes_as_one_job_array_with_its_own_logs_and_exit_codes()
    {
        var nodes = Enumerable.Range(0, 6)
            .Select(i => Node($"echo \"task $MLP_INDEX in $(basename $PWD)\"; exit $((MLP_INDEX % 2))", id: $"fit[{i}]", env: new() { ["MLP_INDEX"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture) }))
            .ToList();
        Assert.True(executor.CanSubmitTogether(nodes));
        Assert.False(executor.CanSubmitTogether([nodes[0], nodes[1] with { Resources = new PlanResources(2, 0, 0, null) }]));
        var before = executor.RequestCount;
        var handles = await executor.SubmitBatchAsync(nodes, CancellationToken.None);
        Assert.Equal(before + 1, executor.RequestCount);
        Assert.Equal(6, handles.Select(h => h.Id.Split('_')[0]).Distinct().Count() == 1 ? 6 : 0);
        foreach (var h in handles)
        {
            await WaitAsync(h);
        }

        var statuses = await executor.GetStatusesAsync(handles, CancellationToken.None);
        for (var i = 0; i < nodes.Count; i++)
        {
            Assert.Equal(i % 2 == 0 ? ExecutionState.Succeeded : ExecutionState.Failed, statuses[i].State);
            Assert.Equal(i % 2, statuses[i].ExitCode);
            Assert.Equal($"task {i} in fit_{i}_\n", Read(nodes[i].StdoutPath));
        }
    }

    [SkippableFact]
    public async Task A_cancelled_array_task_ends_alone()
    {
        var nodes = Enumerable.Range(0, 3).Select(i => Node(i == 1 ? "sleep 120" : "sleep 1", id: $"c{i}")).ToList();
        var handles = await executor.SubmitBatchAsync(nodes, CancellationToken.None);
        await executor.CancelAsync(handles[1], CancellationToken.None);
        Assert.Equal(ExecutionState.Cancelled, (await WaitAsync(handles[1], TimeSpan.FromSeconds(30))).State);
        Assert.Equal(ExecutionState.Succeeded, (await WaitAsync(handles[0])).State);
        Assert.Equal(ExecutionState.Succeeded, (await WaitAsync(handles[2])).State);
        await executor.CancelAsync(handles[1], CancellationToken.None); // idempotent
    }

    [SkippableFact]
    public async Task A_submission_an_earlier_mlpc_never_recorded_is_found_by_its_job_name()
    {
        var node = Node("sleep 30", id: "unrecorded") with { RunId = "run-" + Guid.NewGuid().ToString("N")[..8] };
        var handle = await executor.SubmitAsync(node, CancellationToken.None);
        await using var later = await SlurmService.ExecutorAsync();
        var found = await later.FindSubmissionAsync(node, CancellationToken.None);
        Assert.Equal(handle.Id, found!.Id);
        Assert.False((await later.GetStatusesAsync([found], CancellationToken.None))[0].State.IsTerminal());
        await later.CancelAsync(found, CancellationToken.None);
        Assert.Equal(ExecutionState.Cancelled, (await WaitAsync(found, TimeSpan.FromSeconds(30), with: later)).State);
        Assert.Null(await later.FindSubmissionAsync(node with { Attempt = 2 }, CancellationToken.None));
    }

    [SkippableFact]
    public async Task A_job_slurm_no_longer_knows_is_lost_not_failed()
    {
        var gone = new ExecutionHandle("slurm", "987654", "x", Path.Combine(root, "x.out"), Path.Combine(root, "x.err"));
        var status = (await executor.GetStatusesAsync([gone], CancellationToken.None))[0];
        Assert.Equal(ExecutionState.Lost, status.State);
        Assert.Contains("no longer knows job 987654", status.Message);
        await executor.CancelAsync(gone, CancellationToken.None);
    }

    [SkippableFact]
    public async Task The_batch_script_has_a_shebang_and_sets_the_step_contract_environment()
    {
        var node = Node("head -n 1 \"$0\" 2>/dev/null; echo \"$MLP_STEP|$MLP_ODD\"", env: new() { ["MLP_STEP"] = "n", ["MLP_ODD"] = "it's \"$x\"" });
        Assert.StartsWith("#!/bin/sh\n", SlurmBatchScript.ForNode(node));
        Assert.Equal(ExecutionState.Succeeded, (await WaitAsync(await executor.SubmitAsync(node, CancellationToken.None))).State);
        Assert.EndsWith("n|it's \"$x\"\n", Read(node.StdoutPath));
    }

    private static void Scontrol(params string[] args)
    {
        var psi = new ProcessStartInfo("scontrol") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        if (SlurmService.Lookup("SLURM_CONF") is { } conf)
        {
            psi.Environment["SLURM_CONF"] = conf;
        }

        using var p = Process.Start(psi)!;
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, "scontrol " + string.Join(' ', args) + ": " + p.StandardError.ReadToEnd());
    }
}
