using MLOps.Runtime.Execution;

namespace MLOps.Runtime.Tests.Execution;

public sealed class LocalExecutorTests : ExecutorConformanceTests
{
    protected override IExecutor CreateExecutor() => new LocalExecutor { KillGrace = TimeSpan.FromMilliseconds(500) };

    [Fact]
    public async Task A_restarted_mlpc_tells_its_orphans_from_gone_processes()
    {
        var handle = await Executor.SubmitAsync(Node("sleep 1; exit 4"), CancellationToken.None);
        await using var later = new LocalExecutor();
        Assert.Equal(ExecutionState.Running, (await later.GetStatusesAsync([handle], CancellationToken.None))[0].State);
        await WaitAsync(handle);
        await Task.Delay(100);

        // An orphan that ended on its own left its exit code: the restarted mlpc learns how it ended.
        var ended = (await later.GetStatusesAsync([handle], CancellationToken.None))[0];
        Assert.Equal(ExecutionState.Failed, ended.State);
        Assert.Equal(4, ended.ExitCode);

        // One killed outright left nothing: it is lost, never mistaken for a success.
        var killed = await Executor.SubmitAsync(Node("sleep 30", id: "k"), CancellationToken.None);
        await Executor.CancelAsync(killed, CancellationToken.None);
        var lost = (await later.GetStatusesAsync([killed], CancellationToken.None))[0];
        Assert.Equal(ExecutionState.Lost, lost.State);
        Assert.Contains("earlier mlpc", lost.Message);
    }

    [Fact]
    public async Task A_submission_the_runtime_never_recorded_is_found_from_its_attempt_folder()
    {
        var node = Node("echo started; sleep 30", id: "unrecorded");
        var handle = await Executor.SubmitAsync(node, CancellationToken.None);

        // A restarted mlpc looks long after the start; wait until the command runs.
        for (var i = 0; i < 2400 && !(File.Exists(node.StdoutPath) && File.ReadAllText(node.StdoutPath).Contains("started")); i++)
        {
            await Task.Delay(25);
        }

        await using var later = new LocalExecutor();
        var found = await later.FindSubmissionAsync(node, CancellationToken.None);
        Assert.Equal(handle.Id, found!.Id);
        Assert.Equal(ExecutionState.Running, (await later.GetStatusesAsync([found], CancellationToken.None))[0].State);
        await later.CancelAsync(found, CancellationToken.None);
        Assert.Null(await later.FindSubmissionAsync(Node("true", id: "never"), CancellationToken.None));
    }

    [Fact]
    public async Task A_step_outlives_the_executor_that_started_it_and_keeps_writing_its_logs()
    {
        var node = Node("sleep 0.5; echo late", id: "outlives");
        var handle = await Executor.SubmitAsync(node, CancellationToken.None);
        await using var later = new LocalExecutor();
        for (var i = 0; i < 2400; i++)
        {
            var status = (await later.GetStatusesAsync([handle], CancellationToken.None))[0];
            if (status.State.IsTerminal())
            {
                Assert.Equal(ExecutionState.Succeeded, status.State);
                Assert.Equal("late\n", File.ReadAllText(node.StdoutPath));
                return;
            }

            await Task.Delay(25);
        }

        Assert.Fail("the step did not end");
    }

    [Fact]
    public async Task A_pid_reused_by_another_process_is_not_taken_for_the_attempt()
    {
        // The attempt's shell is gone and an unrelated process now has its pid.
        var node = Node("true", id: "reused");
        Directory.CreateDirectory(Path.GetDirectoryName(node.StdoutPath)!);
        using var other = System.Diagnostics.Process.Start("sleep", "30");
        try
        {
            File.WriteAllText(Path.Combine(Path.GetDirectoryName(node.StdoutPath)!, "pid"), $"{other.Id} 0123456789abcdef01234567\n");
            var found = await Executor.FindSubmissionAsync(node, CancellationToken.None);
            Assert.EndsWith(":0", found!.Id);
            Assert.Equal(ExecutionState.Lost, (await Executor.GetStatusesAsync([found], CancellationToken.None))[0].State);
        }
        finally
        {
            other.Kill();
        }
    }

    [Fact]
    public async Task A_variable_name_no_shell_can_set_is_refused_at_submission_with_the_name()
    {
        var e = await Assert.ThrowsAsync<ArgumentException>(() => Executor.SubmitAsync(Node("true", new() { ["bad-name"] = "x" }), CancellationToken.None));
        Assert.Contains("'bad-name'", e.Message);
    }
}
