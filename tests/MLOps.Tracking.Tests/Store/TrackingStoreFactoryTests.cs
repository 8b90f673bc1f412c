using MLOps.Tracking.Runs;

namespace MLOps.Tracking.Tests.Store;

public class TrackingStoreFactoryTests
{
    [Fact]
    public void Absolute_sqlite_uri_names_the_file_and_puts_artifacts_beside_it()
    {
        var location = TrackingStoreLocation.Parse("sqlite:///data/mlp/tracking.db", "/elsewhere");
        Assert.Equal("sqlite", location.Scheme);
        Assert.Equal("/data/mlp/tracking.db", location.DatabasePath);
        Assert.Equal("/data/mlp/artifacts", location.ArtifactsPath);
    }

    [Fact]
    public void Relative_sqlite_uri_and_plain_directory_resolve_against_the_base_directory()
    {
        Assert.Equal("/work/x/db/t.db", TrackingStoreLocation.Parse("sqlite:db/t.db", "/work/x").DatabasePath);
        var plain = TrackingStoreLocation.Parse(".mlp/", "/work/x");
        Assert.Equal("/work/x/.mlp/tracking.db", plain.DatabasePath);
        Assert.Equal("/work/x/.mlp/artifacts", plain.ArtifactsPath);
        Assert.Equal("/work/x/.mlp/tracking.db", TrackingStoreLocation.Parse(null, "/work/x").DatabasePath);
        Assert.Equal("/work/x/.mlp/tracking.db", TrackingStoreLocation.Parse("  ", "/work/x").DatabasePath);
    }

    [Fact]
    public void Artifacts_option_moves_the_artifact_store()
    {
        var location = TrackingStoreLocation.Parse("sqlite:///d/t.db?artifacts=file:///blobs", "/");
        Assert.Equal("/blobs", location.ArtifactsPath);
        Assert.Equal("/d/t.db", location.DatabasePath);
    }

    [Theory]
    [InlineData("postgres://db.example/mlp", "unknown store scheme 'postgres'")]
    [InlineData("s3://bucket/x", "unknown store scheme 's3'")]
    [InlineData("sqlite://host/x.db", "a host is not allowed")]
    [InlineData("sqlite:", "names no database file")]
    [InlineData("sqlite:///x.db?color=red", "unknown option 'color'")]
    public void Bad_uris_fail_with_a_clear_message(string uri, string expected)
    {
        var error = Assert.Throws<TrackingStoreException>(() => TrackingStoreFactory.Open(uri, "/tmp"));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_creates_the_database_with_wal_and_schema_version_and_reopens_it()
    {
        using var temp = new TempFolder();
        await using (var stores = TrackingStoreFactory.Open(".mlp/", temp.Path))
        {
            await stores.Runs.CreateRunAsync(new NewRun { RunId = "r1", Experiment = "e", Kind = RunKind.Pipeline, Name = "p" });
        }

        Assert.True(File.Exists(temp.Combine(".mlp", "tracking.db")));
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + temp.Combine(".mlp", "tracking.db")))
        {
            connection.Open();
            using var mode = connection.CreateCommand();
            mode.CommandText = "PRAGMA journal_mode;";
            Assert.Equal("wal", (string)mode.ExecuteScalar()!);
            using var version = connection.CreateCommand();
            version.CommandText = "SELECT MAX(version) FROM schema_migrations;";
            Assert.Equal((long)Sqlite.SqliteSchema.LatestVersion, (long)version.ExecuteScalar()!);
        }

        await using var again = TrackingStoreFactory.Open("sqlite:.mlp/tracking.db", temp.Path);
        Assert.NotNull(await again.Runs.GetRunAsync("r1"));
    }

    [Fact]
    public async Task A_database_from_a_newer_mlpc_is_refused()
    {
        using var temp = new TempFolder();
        await using (temp.OpenStores())
        {
        }

        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + temp.DatabasePath))
        {
            connection.Open();
            using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO schema_migrations VALUES (99, 'future', 0);";
            insert.ExecuteNonQuery();
        }

        var error = Assert.Throws<TrackingStoreException>(() => temp.OpenStores());
        Assert.Contains("schema version 99", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Many_stores_opening_a_new_file_at_once_migrate_it_once()
    {
        using var temp = new TempFolder();
        var opens = Enumerable.Range(0, 8).Select(_ => Task.Run(() => temp.OpenStores())).ToArray();
        var stores = await Task.WhenAll(opens);
        foreach (var s in stores)
        {
            await s.DisposeAsync();
        }

        using var connection = new Microsoft.Data.Sqlite.SqliteConnection("Data Source=" + temp.DatabasePath);
        connection.Open();
        using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM schema_migrations;";
        Assert.Equal((long)Sqlite.SqliteSchema.Migrations.Count, (long)count.ExecuteScalar()!);
    }
}
