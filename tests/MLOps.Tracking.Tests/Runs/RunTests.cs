using MLOps.Tracking.Runs;

namespace MLOps.Tracking.Tests.Runs;

public sealed class RunTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static NewRun Pipeline(string id) => new() { RunId = id, Experiment = "exp", Kind = RunKind.Pipeline, Name = "train", Pipeline = "train", SourceDigest = "sha256:src", GitCommit = "abc123" };

    private static NewRun Step(string id, string parent, string node) => new() { RunId = id, Experiment = "exp", Kind = RunKind.Step, Name = node, ParentRunId = parent, NodeInstanceId = node, Pipeline = "train" };

    [Fact]
    public async Task Creating_the_same_run_twice_returns_the_first_row()
    {
        await using var stores = _temp.OpenStores();
        var first = await stores.Runs.CreateRunAsync(Pipeline("p1"));
        var second = await stores.Runs.CreateRunAsync(Pipeline("p1"));
        Assert.True(first.Created);
        Assert.False(second.Created);
        Assert.Equal(first.Run, second.Run);
        Assert.Equal("p1", first.Run.RootRunId);
        Assert.Equal("sha256:src", first.Run.SourceDigest);
        Assert.Equal("abc123", first.Run.GitCommit);
        Assert.Single(await stores.Runs.GetStatusHistoryAsync("p1"));

        // What creation returns is what is stored, for a step created running as well.
        var step = await stores.Runs.CreateRunAsync(Step("s1", "p1", "fit[0]") with { Status = RunStatus.Running });
        Assert.Equal(await stores.Runs.GetRunAsync("s1"), step.Run);
        Assert.NotNull(step.Run.StartTime);
    }

    [Fact]
    public async Task A_resumed_process_creating_the_same_step_gets_the_existing_one_even_with_a_new_id()
    {
        await using (var first = _temp.OpenStores())
        {
            await first.Runs.CreateRunAsync(Pipeline("p1"));
            await first.Runs.CreateRunAsync(Step("s1", "p1", "fit[0]"));
        }

        // A second store instance on the same file plays the restarted process.
        await using var second = _temp.OpenStores();
        var again = await second.Runs.CreateRunAsync(Step("s1-other", "p1", "fit[0]"));
        Assert.False(again.Created);
        Assert.Equal("s1", again.Run.RunId);
        var children = await second.Runs.GetChildRunsAsync("p1");
        Assert.Equal(["s1"], children.Select(c => c.RunId));
        Assert.Equal("p1", children[0].RootRunId);
    }

    [Fact]
    public async Task Concurrent_creates_of_one_run_from_many_stores_leave_one_row()
    {
        await using (var setup = _temp.OpenStores())
        {
            await setup.Runs.CreateRunAsync(Pipeline("p1"));
        }

        var stores = Enumerable.Range(0, 6).Select(_ => _temp.OpenStores()).ToList();
        var results = await Task.WhenAll(stores.Select(s => Task.Run(() => s.Runs.CreateRunAsync(Step("s-" + Guid.NewGuid().ToString("N"), "p1", "fit[0]")))));
        Assert.Single(results, r => r.Created);
        Assert.Single(results.Select(r => r.Run.RunId).Distinct());
        Assert.Single(await stores[0].Runs.GetChildRunsAsync("p1"));
        foreach (var s in stores)
        {
            await s.DisposeAsync();
        }
    }

    [Fact]
    public async Task Reusing_a_run_id_for_something_else_is_a_conflict()
    {
        await using var stores = _temp.OpenStores();
        await stores.Runs.CreateRunAsync(Pipeline("p1"));
        var error = await Assert.ThrowsAsync<TrackingConflictException>(() => stores.Runs.CreateRunAsync(Pipeline("p1") with { Experiment = "other" }));
        Assert.Contains("already exists", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_step_of_a_missing_parent_is_refused()
    {
        await using var stores = _temp.OpenStores();
        var error = await Assert.ThrowsAsync<TrackingNotFoundException>(() => stores.Runs.CreateRunAsync(Step("s1", "nope", "fit")));
        Assert.Contains("'nope'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_changes_are_appended_and_set_start_and_end_times()
    {
        await using var stores = _temp.OpenStores();
        await stores.Runs.CreateRunAsync(Pipeline("p1"));
        var t0 = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000);
        await stores.Runs.SetRunStatusAsync("p1", new RunStatusUpdate(RunStatus.Running, At: t0));
        await stores.Runs.SetRunStatusAsync("p1", new RunStatusUpdate(RunStatus.Running, At: t0.AddSeconds(1)));
        var failed = await stores.Runs.SetRunStatusAsync("p1", new RunStatusUpdate(RunStatus.Failed, "exit 1", At: t0.AddSeconds(5)));
        Assert.Equal(t0, failed.Run.StartTime);
        Assert.Equal(t0.AddSeconds(5), failed.Run.EndTime);
        Assert.Equal(TimeSpan.FromSeconds(5), failed.Run.Duration);
        Assert.Equal(await stores.Runs.GetRunAsync("p1"), failed.Run); // what is returned is what is stored

        // Resume: running again clears the end time but keeps the first start.
        var resumed = await stores.Runs.SetRunStatusAsync("p1", new RunStatusUpdate(RunStatus.Running, "resume", At: t0.AddSeconds(9)));
        Assert.Null(resumed.Run.EndTime);
        Assert.Equal(t0, resumed.Run.StartTime);
        Assert.Equal(await stores.Runs.GetRunAsync("p1"), resumed.Run);

        var history = await stores.Runs.GetStatusHistoryAsync("p1");
        Assert.Equal(
            [(null, RunStatus.Queued), (RunStatus.Queued, RunStatus.Running), (RunStatus.Running, RunStatus.Failed), (RunStatus.Failed, RunStatus.Running)],
            history.Select(h => (h.From, h.To)));
        Assert.Equal([1L, 2, 3, 4], history.Select(h => h.Sequence));
        Assert.Equal("exit 1", history[2].Message);
    }

    [Fact]
    public async Task Expected_status_makes_a_status_change_a_compare_and_swap()
    {
        await using var stores = _temp.OpenStores();
        await stores.Runs.CreateRunAsync(Pipeline("p1") with { Status = RunStatus.Running });
        await stores.Runs.SetRunStatusAsync("p1", new RunStatusUpdate(RunStatus.Succeeded));
        var cancel = await stores.Runs.SetRunStatusAsync("p1", new RunStatusUpdate(RunStatus.Cancelled, ExpectedStatus: RunStatus.Running));
        Assert.False(cancel.Applied);
        Assert.Equal(RunStatus.Succeeded, cancel.Run.Status);
        Assert.Equal(RunStatus.Succeeded, (await stores.Runs.GetRunAsync("p1"))!.Status);
    }

    [Fact]
    public async Task Status_of_a_missing_run_is_not_found()
    {
        await using var stores = _temp.OpenStores();
        await Assert.ThrowsAsync<TrackingNotFoundException>(() => stores.Runs.SetRunStatusAsync("ghost", new RunStatusUpdate(RunStatus.Failed)));
    }

    [Fact]
    public async Task Cache_keys_are_stored_with_components_and_found_only_when_succeeded()
    {
        await using var stores = _temp.OpenStores();
        await stores.Runs.CreateRunAsync(Pipeline("p1"));
        await stores.Runs.CreateRunAsync(Step("s1", "p1", "fit"));
        await stores.Runs.SetCacheKeyAsync("s1", "key-1", """{"definition":"sha256:d","inputs":{"lr":"0.1"}}""");
        Assert.Null(await stores.Runs.FindSucceededByCacheKeyAsync("key-1"));
        await stores.Runs.SetRunStatusAsync("s1", new RunStatusUpdate(RunStatus.Succeeded));
        var hit = await stores.Runs.FindSucceededByCacheKeyAsync("key-1");
        Assert.Equal("s1", hit?.RunId);
        Assert.Contains("\"lr\":\"0.1\"", hit!.CacheKeyComponentsJson, StringComparison.Ordinal);

        await stores.Runs.CreateRunAsync(Pipeline("p2"));
        await stores.Runs.CreateRunAsync(Step("s2", "p2", "fit"));
        await stores.Runs.MarkCachedAsync("s2", "s1");
        var cached = await stores.Runs.GetRunAsync("s2");
        Assert.Equal(RunStatus.Cached, cached!.Status);
        Assert.Equal("s1", cached.CachedFromRunId);
        await Assert.ThrowsAsync<ArgumentException>(() => stores.Runs.SetCacheKeyAsync("s1", "k", "[1]"));
    }

    [Fact]
    public async Task Open_attempts_survive_a_restart_and_ended_ones_drop_out()
    {
        await using (var first = _temp.OpenStores())
        {
            await first.Runs.CreateRunAsync(Pipeline("p1"));
            await first.Runs.CreateRunAsync(Step("s1", "p1", "a"));
            await first.Runs.CreateRunAsync(Step("s2", "p1", "b"));
            await first.Runs.RecordAttemptAsync(new StepAttempt { RunId = "s1", Attempt = 1, Executor = "local", HandleId = "pid:100@1700", OwnerHost = "h", OwnerPid = 7 });
            await first.Runs.RecordAttemptAsync(new StepAttempt { RunId = "s1", Attempt = 1, Executor = "local", HandleId = "pid:100@1700", OwnerHost = "h", OwnerPid = 7 });
            await first.Runs.RecordAttemptAsync(new StepAttempt { RunId = "s2", Attempt = 1, Executor = "slurm", HandleId = "4242" });
            await first.Runs.EndAttemptAsync("s2", 1, new StepAttemptEnd("failed", 3, "oom"));
            await first.Runs.RecordAttemptAsync(new StepAttempt { RunId = "s2", Attempt = 2, Executor = "slurm", HandleId = "4243" });
        }

        await using var second = _temp.OpenStores();
        var open = await second.Runs.ListOpenAttemptsAsync("p1");
        Assert.Equal([("s1", 1, "pid:100@1700"), ("s2", 2, "4243")], open.Select(a => (a.RunId, a.Attempt, a.HandleId)).Order());
        Assert.Equal(7, open.Single(a => a.RunId == "s1").OwnerPid);
        Assert.Empty(await second.Runs.ListOpenAttemptsAsync("other-root"));
        var attempts = await second.Runs.GetAttemptsAsync("s2");
        Assert.Equal(3, attempts[0].ExitCode);
        Assert.Equal("failed", attempts[0].State);
        Assert.NotNull(attempts[0].EndedAt);
        await Assert.ThrowsAsync<TrackingNotFoundException>(() => second.Runs.EndAttemptAsync("s2", 9, new StepAttemptEnd("failed")));
    }

    [Fact]
    public async Task Params_are_write_once_and_tags_overwrite()
    {
        await using var stores = _temp.OpenStores();
        await stores.Runs.CreateRunAsync(Pipeline("p1"));
        await stores.Runs.LogParamsAsync("p1", new Dictionary<string, string> { ["lr"] = "0.1", ["model"] = "resnet" });
        await stores.Runs.LogParamsAsync("p1", new Dictionary<string, string> { ["lr"] = "0.1" });
        var error = await Assert.ThrowsAsync<TrackingConflictException>(() => stores.Runs.LogParamsAsync("p1", new Dictionary<string, string> { ["lr"] = "0.2", ["new"] = "x" }));
        Assert.Contains("'lr'", error.Message, StringComparison.Ordinal);

        await stores.Runs.SetTagsAsync("p1", new Dictionary<string, string> { ["team"] = "a", ["x"] = "1" });
        await stores.Runs.SetTagsAsync("p1", new Dictionary<string, string> { ["team"] = "b" });
        await stores.Runs.DeleteTagAsync("p1", "x");
        var details = await stores.Runs.GetRunDetailsAsync("p1");
        Assert.Equal(new Dictionary<string, string> { ["lr"] = "0.1", ["model"] = "resnet" }, details!.Params);
        Assert.Equal(new Dictionary<string, string> { ["team"] = "b" }, details.Tags);
    }

    [Fact]
    public async Task Artifacts_record_lineage_between_producer_and_consumers()
    {
        await using var stores = _temp.OpenStores();
        await stores.Runs.CreateRunAsync(Pipeline("p1"));
        await stores.Runs.CreateRunAsync(Step("prep", "p1", "prep"));
        await stores.Runs.CreateRunAsync(Step("fit", "p1", "fit"));
        await stores.Runs.CreateRunAsync(Step("eval", "p1", "eval"));
        var digest = "sha256:" + new string('a', 64);
        var artifact = new RunArtifact { RunId = "prep", Name = "data", Direction = ArtifactDirection.Output, Uri = "file:///x", Digest = digest, Size = 10 };
        await stores.Runs.LogArtifactAsync(artifact);
        await stores.Runs.LogArtifactAsync(artifact);
        await stores.Runs.LogArtifactAsync(artifact with { RunId = "fit", Direction = ArtifactDirection.Input, Name = "train" });
        await stores.Runs.LogArtifactAsync(artifact with { RunId = "eval", Direction = ArtifactDirection.Input, Name = "test" });

        var lineage = await stores.Runs.GetLineageAsync(digest);
        Assert.Equal(["prep"], lineage.ProducedBy.Select(a => a.RunId));
        Assert.Equal(["eval", "fit"], lineage.ConsumedBy.Select(a => a.RunId).Order());
        Assert.Single(await stores.Runs.GetArtifactsAsync("prep"));
        await Assert.ThrowsAsync<ArgumentException>(() => stores.Runs.LogArtifactAsync(artifact with { Digest = "md5:1" }));
    }

    [Fact]
    public async Task Experiments_are_created_once()
    {
        await using var stores = _temp.OpenStores();
        var a = await stores.Runs.GetOrCreateExperimentAsync("vision");
        var b = await stores.Runs.GetOrCreateExperimentAsync("vision");
        Assert.Equal(a, b);
        Assert.Equal(["vision"], (await stores.Runs.ListExperimentsAsync()).Select(e => e.Name));
        Assert.Null(await stores.Runs.GetExperimentAsync("nlp"));
    }
}
