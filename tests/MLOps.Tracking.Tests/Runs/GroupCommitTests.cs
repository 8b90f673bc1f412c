using MLOps.Tracking.Runs;

namespace MLOps.Tracking.Tests.Runs;

/// <summary>
/// Writes issued without waiting share commits; they must still apply in the order they were
/// issued, and one that fails must undo only itself.
/// </summary>
public sealed class GroupCommitTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Writes_issued_without_waiting_apply_in_issue_order()
    {
        await using var stores = _temp.OpenStores();
        var writes = new List<Task> { stores.Runs.CreateRunAsync(new NewRun { RunId = "r", Experiment = "e", Kind = RunKind.Pipeline, Name = "r" }) };
        for (var i = 0; i < 500; i++)
        {
            writes.Add(stores.Runs.SetTagsAsync("r", new Dictionary<string, string> { ["n"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture) }));
        }

        writes.Add(stores.Runs.SetRunStatusAsync("r", new RunStatusUpdate(RunStatus.Running, null)));
        writes.Add(stores.Runs.SetRunStatusAsync("r", new RunStatusUpdate(RunStatus.Succeeded, null)));
        await Task.WhenAll(writes);

        var details = await stores.Runs.GetRunDetailsAsync("r");
        Assert.Equal("499", details!.Tags["n"]);
        Assert.Equal(
            [RunStatus.Queued, RunStatus.Running, RunStatus.Succeeded],
            (await stores.Runs.GetStatusHistoryAsync("r")).Select(c => c.To));
    }

    [Fact]
    public async Task A_failing_write_undoes_only_itself_and_the_others_commit()
    {
        await using var stores = _temp.OpenStores();
        await stores.Runs.CreateRunAsync(new NewRun { RunId = "r", Experiment = "e", Kind = RunKind.Pipeline, Name = "r" });
        await stores.Runs.LogParamsAsync("r", new Dictionary<string, string> { ["lr"] = "0.1" });

        var before = stores.Runs.SetTagsAsync("r", new Dictionary<string, string> { ["a"] = "1" });
        // Params are write-once: a different value is a conflict, and its other param must not land either.
        var conflicting = stores.Runs.LogParamsAsync("r", new Dictionary<string, string> { ["batch"] = "32", ["lr"] = "0.2" });
        var missingRun = stores.Runs.SetTagsAsync("no-such-run", new Dictionary<string, string> { ["x"] = "1" });
        var after = stores.Runs.SetTagsAsync("r", new Dictionary<string, string> { ["b"] = "2" });

        await before;
        await after;
        await Assert.ThrowsAsync<TrackingConflictException>(() => conflicting);
        await Assert.ThrowsAsync<TrackingNotFoundException>(() => missingRun);
        var details = await stores.Runs.GetRunDetailsAsync("r");
        Assert.Equal(new Dictionary<string, string> { ["lr"] = "0.1" }, details!.Params);
        Assert.Equal("1", details.Tags["a"]);
        Assert.Equal("2", details.Tags["b"]);
    }
}
