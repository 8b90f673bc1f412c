using MLOps.Plan;
using MLOps.Tracking;
using MLOps.Tracking.Registry;
using MLOps.Tracking.Sqlite;

namespace MLOps.Runtime.Tests.Policies;

/// <summary>A fresh SQLite registry in a temp folder, with helpers to register versions and write policies as plan JSON.</summary>
public sealed class PolicyFixture : IAsyncDisposable
{
    public PolicyFixture()
    {
        Folder = Path.Combine(Path.GetTempPath(), "mlpc-policy-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Folder);
        Stores = TrackingStoreFactory.Open("sqlite://" + DatabasePath);
    }

    public string Folder { get; }

    public string DatabasePath => Path.Combine(Folder, "tracking.db");

    public TrackingStores Stores { get; }

    public IModelRegistry Registry => Stores.Registry;

    /// <summary>Another connection to the same file, as a second process would have.</summary>
    public SqliteModelRegistry OpenAnother() => SqliteModelRegistry.Open(DatabasePath);

    public async Task<int> RegisterAsync(string metricsJson, IReadOnlyDictionary<string, string>? tags = null, string model = "churn") =>
        (await Registry.RegisterAsync(new NewModelVersion
        {
            Model = model,
            ArtifactUri = "file:///model",
            ArtifactDigest = "sha256:" + new string('b', 64),
            MetricsJson = metricsJson,
            Tags = tags ?? new Dictionary<string, string>(),
            Actor = "ci",
        })).Version.Version;

    public async Task SetAliasAsync(string alias, int version, string model = "churn")
    {
        var current = (await Registry.ResolveAliasAsync(model, alias))?.Version;
        var result = await Registry.ChangeAliasAsync(new AliasChange { Model = model, Alias = alias, ExpectedVersion = current, NewVersion = version, Actor = "setup" });
        Assert.True(result.Succeeded, result.Message);
    }

    /// <summary>
    /// A policy from plan JSON. Rules are written as <c>(text, conditionJson, message)</c>;
    /// <c>M("candidate", "metrics", "auc")</c> and friends build condition JSON.
    /// </summary>
    public static PlanPolicy Policy(string rulesJson, string onPassJson = "[]", string onFailJson = "[]", string readsAliases = "[]", string name = "gate", string model = "churn") =>
        PlanJsonReader.ReadPolicy($$"""
            {"name": "{{name}}", "model": "{{model}}", "reads_aliases": {{readsAliases}}, "rules": {{rulesJson}}, "on_pass": {{onPassJson}}, "on_fail": {{onFailJson}}}
            """);

    public static string Require(string condition, string? message = null, string text = "rule") =>
        "{\"kind\": \"require\", \"text\": " + System.Text.Json.JsonSerializer.Serialize(text) + ", \"condition\": " + condition
        + (message is null ? "" : ", \"message\": " + System.Text.Json.JsonSerializer.Serialize(message)) + "}";

    public static string Approval(string group) => $$"""{"kind": "approval", "text": "require approval from \"{{group}}\"", "group": "{{group}}"}""";

    public static string M(string reference, params string[] path) =>
        "{\"model\": {\"ref\": \"" + reference + "\", \"path\": [" + string.Join(", ", path.Select(p => "\"" + p + "\"")) + "]}}";

    public static string C(string jsonValue) => $$"""{"const": {{jsonValue}}}""";

    public static string Op(string op, params string[] args) => $$"""{"op": "{{op}}", "args": [{{string.Join(", ", args)}}]}""";

    public static string AliasAction(string alias) => $$"""{"kind": "alias", "alias": "{{alias}}"}""";

    public async ValueTask DisposeAsync()
    {
        await Stores.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a leftover temp folder must not fail a test.
        }
    }
}
