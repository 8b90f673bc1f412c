using System.Diagnostics;
using MLOps.Tracking.Registry;
using MLOps.Tracking.Sqlite;

namespace MLOps.Tracking.Tests.Registry;

public sealed class RegistryTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static NewModelVersion Version(string model = "churn", string? key = null) => new()
    {
        Model = model,
        SourceRunId = "run-1",
        ArtifactUri = "file:///a",
        ArtifactDigest = "sha256:" + new string('a', 64),
        MetricsJson = """{"auc":0.91}""",
        Tags = new Dictionary<string, string> { ["team"] = "risk" },
        IdempotencyKey = key,
        Actor = "ci",
    };

    private static AliasChange Move(int? expected, int? to, string actor = "alice", string alias = "champion") =>
        new() { Model = "churn", Alias = alias, ExpectedVersion = expected, NewVersion = to, Actor = actor, Reason = "test" };

    [Fact]
    public async Task Versions_count_from_one_and_idempotency_keys_return_the_first_version()
    {
        await using var stores = _temp.OpenStores();
        var v1 = await stores.Registry.RegisterAsync(Version(key: "run-1/register"));
        var again = await stores.Registry.RegisterAsync(Version(key: "run-1/register"));
        var v2 = await stores.Registry.RegisterAsync(Version());
        var v3 = await stores.Registry.RegisterAsync(Version());
        Assert.Equal([1, 1, 2, 3], new[] { v1, again, v2, v3 }.Select(v => v.Version.Version));
        Assert.True(v1.Created);
        Assert.False(again.Created);
        Assert.Equal("risk", v1.Version.Tags["team"]);
        Assert.Equal("""{"auc":0.91}""", v1.Version.MetricsJson);
        var model = await stores.Registry.GetModelAsync("churn");
        Assert.Equal(3, model!.LatestVersion);
        Assert.Equal([1, 2, 3], (await stores.Registry.ListVersionsAsync("churn")).Select(v => v.Version));
        Assert.Equal(["register", "register", "register"], (await stores.Registry.GetAuditAsync("churn")).Select(e => e.Kind));
    }

    [Fact]
    public async Task Bad_names_and_metrics_are_refused()
    {
        await using var stores = _temp.OpenStores();
        await Assert.ThrowsAsync<ArgumentException>(() => stores.Registry.RegisterAsync(Version(model: "bad name; --")));
        await Assert.ThrowsAsync<ArgumentException>(() => stores.Registry.RegisterAsync(Version() with { MetricsJson = "[1,2]" }));
        await stores.Registry.RegisterAsync(Version());
        await Assert.ThrowsAsync<ArgumentException>(() => stores.Registry.ChangeAliasAsync(Move(null, 1, alias: "1st")));
    }

    [Fact]
    public async Task Alias_compare_and_swap_sets_moves_conflicts_and_deletes()
    {
        await using var stores = _temp.OpenStores();
        for (var i = 0; i < 3; i++)
        {
            await stores.Registry.RegisterAsync(Version());
        }

        var set = await stores.Registry.ChangeAliasAsync(Move(null, 1));
        Assert.Equal(AliasChangeOutcome.Applied, set.Outcome);

        var setAgain = await stores.Registry.ChangeAliasAsync(Move(null, 2, "bob"));
        Assert.Equal(AliasChangeOutcome.Conflict, setAgain.Outcome);
        Assert.Equal(1, setAgain.ActualVersion);
        Assert.Contains("holds version 1", setAgain.Message, StringComparison.Ordinal);

        var stale = await stores.Registry.ChangeAliasAsync(Move(3, 2, "bob"));
        Assert.Equal(AliasChangeOutcome.Conflict, stale.Outcome);
        Assert.Equal(1, stale.ActualVersion);

        Assert.Equal(AliasChangeOutcome.Applied, (await stores.Registry.ChangeAliasAsync(Move(1, 2, "bob"))).Outcome);
        Assert.Equal(AliasChangeOutcome.Unchanged, (await stores.Registry.ChangeAliasAsync(Move(2, 2))).Outcome);
        Assert.Equal(AliasChangeOutcome.NotFound, (await stores.Registry.ChangeAliasAsync(Move(2, 9))).Outcome);
        Assert.Equal(2, (await stores.Registry.ResolveAliasAsync("churn", "champion"))!.Version);
        Assert.Equal(["champion"], (await stores.Registry.GetVersionAsync("churn", 2))!.Aliases);
        Assert.Equal(AliasChangeOutcome.NotFound, (await stores.Registry.ChangeAliasAsync(Move(null, 1) with { Model = "nope" })).Outcome);

        Assert.Equal(AliasChangeOutcome.Applied, (await stores.Registry.ChangeAliasAsync(Move(2, null, "carol"))).Outcome);
        Assert.Null(await stores.Registry.ResolveAliasAsync("churn", "champion"));
        var deleteAgain = await stores.Registry.ChangeAliasAsync(Move(2, null));
        Assert.Equal(AliasChangeOutcome.Conflict, deleteAgain.Outcome);
        Assert.Contains("is not set", deleteAgain.Message, StringComparison.Ordinal);

        var history = await stores.Registry.GetAliasHistoryAsync("churn", "champion");
        Assert.Equal([(null, 1), (1, 2), (2, (int?)null)], history.Select(h => (h.FromVersion, h.ToVersion)));
        Assert.Equal(["alice", "bob", "carol"], history.Select(h => h.Actor));
        Assert.Equal([1L, 2, 3], history.Select(h => h.Sequence));
        Assert.All(history, h => Assert.Equal("test", h.Reason));
        Assert.Equal(3, (await stores.Registry.GetAuditAsync("churn")).Count(e => e.Kind == "alias"));
    }

    [Fact]
    public async Task Audit_events_can_hold_policy_evaluations()
    {
        await using var stores = _temp.OpenStores();
        await stores.Registry.RegisterAsync(Version());
        var stored = await stores.Registry.AppendAuditAsync(new RegistryAuditEvent
        {
            Kind = "policy.evaluate",
            Model = "churn",
            Version = 1,
            Alias = "champion",
            Policy = "promote_churn",
            Outcome = "failed",
            VerdictsJson = """[{"rule":"auc >= 0.9","passed":false}]""",
        });
        Assert.True(stored.Id > 0);
        var audit = await stores.Registry.GetAuditAsync("churn");
        var evaluation = audit.Single(e => e.Kind == "policy.evaluate");
        Assert.Equal("promote_churn", evaluation.Policy);
        Assert.Contains("auc >= 0.9", evaluation.VerdictsJson, StringComparison.Ordinal);
        await Assert.ThrowsAnyAsync<System.Text.Json.JsonException>(() => stores.Registry.AppendAuditAsync(new RegistryAuditEvent { Kind = "x", Model = "churn", VerdictsJson = "{" }));
    }

    [Fact]
    public async Task Concurrent_moves_from_many_connections_lose_no_update()
    {
        const int workers = 6;
        const int movesEach = 30;
        await using (var setup = _temp.OpenStores())
        {
            for (var i = 0; i < 4; i++)
            {
                await setup.Registry.RegisterAsync(Version());
            }
        }

        // Each worker has its own registry instance: its own writer connection, as a process would.
        var results = await Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            await using var registry = SqliteModelRegistry.Open(_temp.DatabasePath);
            var applied = 0;
            while (applied < movesEach)
            {
                var current = (await registry.ResolveAliasAsync("churn", "champion"))?.Version;
                var result = await registry.ChangeAliasAsync(Move(current, ((current ?? 0) % 4) + 1, $"w{w}"));
                if (result.Outcome == AliasChangeOutcome.Applied)
                {
                    applied++;
                }
                else
                {
                    Assert.Equal(AliasChangeOutcome.Conflict, result.Outcome);
                }
            }

            return applied;
        })));

        await using var check = _temp.OpenStores();
        await AssertConsistentHistory(check.Registry, workers * movesEach, Enumerable.Range(0, workers).ToDictionary(w => $"w{w}", _ => movesEach));
    }

    [Fact]
    public async Task Concurrent_moves_from_separate_processes_lose_no_update()
    {
        const int processes = 4;
        const int movesEach = 25;
        await using (var setup = _temp.OpenStores())
        {
            for (var i = 0; i < 3; i++)
            {
                await setup.Registry.RegisterAsync(Version());
            }
        }

        var mover = Path.Combine(AppContext.BaseDirectory, "AliasMover.dll");
        Assert.True(File.Exists(mover), $"the AliasMover helper was not built next to the tests: {mover}");
        var started = Enumerable.Range(0, processes).Select(p =>
        {
            var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in new[] { mover, _temp.DatabasePath, "churn", "champion", "3", movesEach.ToString(System.Globalization.CultureInfo.InvariantCulture), $"p{p}" })
            {
                info.ArgumentList.Add(arg);
            }

            return Process.Start(info)!;
        }).ToList();

        foreach (var process in started)
        {
            var output = await process.StandardOutput.ReadToEndAsync();
            var errors = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, $"AliasMover failed ({process.ExitCode}): {errors}");
            Assert.StartsWith($"{movesEach} ", output, StringComparison.Ordinal);
        }

        await using var check = _temp.OpenStores();
        await AssertConsistentHistory(check.Registry, processes * movesEach, Enumerable.Range(0, processes).ToDictionary(p => $"p{p}", _ => movesEach));
    }

    /// <summary>
    /// No lost update: every applied move is in the history exactly once, each move starts where
    /// the previous one ended, and the alias holds where the last move ended.
    /// </summary>
    private static async Task AssertConsistentHistory(IModelRegistry registry, int expectedMoves, Dictionary<string, int> perActor)
    {
        var history = await registry.GetAliasHistoryAsync("churn", "champion");
        Assert.Equal(expectedMoves, history.Count);
        Assert.Equal(Enumerable.Range(1, expectedMoves).Select(i => (long)i), history.Select(h => h.Sequence));
        Assert.Null(history[0].FromVersion);
        for (var i = 1; i < history.Count; i++)
        {
            Assert.Equal(history[i - 1].ToVersion, history[i].FromVersion);
        }

        Assert.Equal(perActor, history.GroupBy(h => h.Actor).ToDictionary(g => g.Key, g => g.Count()));
        Assert.Equal(history[^1].ToVersion, (await registry.ResolveAliasAsync("churn", "champion"))?.Version);
    }
}
