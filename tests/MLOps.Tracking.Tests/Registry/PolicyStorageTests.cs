using MLOps.Tracking.Registry;

namespace MLOps.Tracking.Tests.Registry;

/// <summary>Schema version 3: version tags, stored policies, promotions and approvals.</summary>
public sealed class PolicyStorageTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static NewModelVersion Version() => new()
    {
        Model = "churn",
        ArtifactUri = "file:///a",
        ArtifactDigest = "sha256:" + new string('a', 64),
        Tags = new Dictionary<string, string> { ["team"] = "risk" },
    };

    [Fact]
    public async Task Version_tags_merge_over_the_registered_ones_and_are_audited()
    {
        await using var stores = _temp.OpenStores();
        await stores.Registry.RegisterAsync(Version());
        var tagged = await stores.Registry.SetVersionTagsAsync("churn", 1, new Dictionary<string, string> { ["stage"] = "prod", ["team"] = "ads" }, "alice");
        Assert.Equal(new Dictionary<string, string> { ["stage"] = "prod", ["team"] = "ads" }, tagged!.Tags);
        Assert.Null(await stores.Registry.SetVersionTagsAsync("churn", 9, new Dictionary<string, string> { ["x"] = "y" }));
        var audit = (await stores.Registry.GetAuditAsync("churn")).Last();
        Assert.Equal(("tag", 1, "alice"), (audit.Kind, audit.Version!.Value, audit.Actor!));
    }

    [Fact]
    public async Task Policies_are_replaced_by_name_and_audited_only_when_their_text_changes()
    {
        await using var stores = _temp.OpenStores();
        var policy = new StoredPolicy { Model = "churn", Name = "gate", PolicyJson = """{"name":"gate"}""", SourceDigest = "sha256:1" };
        await stores.Registry.SavePolicyAsync(policy);
        await stores.Registry.SavePolicyAsync(policy);
        await stores.Registry.SavePolicyAsync(policy with { PolicyJson = """{"name":"gate","v":2}""", SourceDigest = "sha256:2" });
        await stores.Registry.SavePolicyAsync(policy with { Name = "another" });
        var stored = await stores.Registry.GetPoliciesAsync("churn");
        Assert.Equal(["another", "gate"], stored.Select(p => p.Name));
        Assert.Equal("sha256:2", stored[1].SourceDigest);
        Assert.Equal(["created", "updated", "created"], (await stores.Registry.GetAuditAsync("churn")).Where(e => e.Kind == "policy.store").Select(e => e.Outcome));
        await Assert.ThrowsAsync<ArgumentException>(() => stores.Registry.SavePolicyAsync(policy with { PolicyJson = "{" }));
    }

    [Fact]
    public async Task A_promotion_is_one_row_per_version_and_policy_and_keeps_its_creation_time()
    {
        await using var stores = _temp.OpenStores();
        await stores.Registry.RegisterAsync(Version());
        var first = await stores.Registry.SavePromotionAsync(new PromotionRecord { Model = "churn", Version = 1, Policy = "gate", State = PromotionStates.Pending, PolicyJson = "{}", PendingGroups = ["leads"] });
        await Task.Delay(5);
        var second = await stores.Registry.SavePromotionAsync(first with { State = PromotionStates.Passed, PendingGroups = [] });
        Assert.Equal(first.CreatedAt, second.CreatedAt);
        Assert.True(second.UpdatedAt >= first.UpdatedAt);
        Assert.Empty(await stores.Registry.ListPromotionsAsync("churn", PromotionStates.Pending));
        Assert.Equal(PromotionStates.Passed, Assert.Single(await stores.Registry.ListPromotionsAsync(null)).State);

        // A pending evaluation that lost a race with the passing one does not bring the promotion back to pending.
        var stale = await stores.Registry.SavePromotionAsync(first);
        Assert.Equal(PromotionStates.Passed, stale.State);
        var failed = await stores.Registry.SavePromotionAsync(first with { State = PromotionStates.Failed });
        Assert.Equal(PromotionStates.Failed, failed.State);
        await stores.Registry.SavePromotionAsync(first with { PendingGroups = ["leads"] });
        Assert.Equal(["leads"], (await stores.Registry.SavePromotionAsync(first with { PendingGroups = ["leads", "risk"] })).PendingGroups);
    }

    [Fact]
    public async Task Approvers_of_one_group_racing_record_only_the_first()
    {
        await using var stores = _temp.OpenStores();
        await stores.Registry.RegisterAsync(Version());
        var registries = Enumerable.Range(0, 4).Select(_ => Sqlite.SqliteModelRegistry.Open(_temp.DatabasePath)).ToList();
        var results = await Task.WhenAll(registries.Select((r, i) => Task.Run(() =>
            r.AddApprovalAsync(new PromotionApproval { Model = "churn", Version = 1, Policy = "gate", Group = "leads", Approver = "user" + i }))));
        Assert.Single(results, r => r.Created);
        var winner = results.Single(r => r.Created).Approval.Approver;
        Assert.All(results, r => Assert.Equal(winner, r.Approval.Approver));
        Assert.Equal(winner, Assert.Single(await stores.Registry.ListApprovalsAsync("churn", 1, "gate")).Approver);
        foreach (var r in registries)
        {
            await r.DisposeAsync();
        }
    }
}
