using System.Collections.Concurrent;
using MLOps.Tracking.Artifacts;
using MLOps.Tracking.Sqlite;

namespace MLOps.Tracking;

/// <summary>
/// Opens the stores named by a store URI:
/// <list type="bullet">
/// <item><c>sqlite:///abs/path/tracking.db</c>: SQLite file; artifacts in <c>artifacts/</c> beside it.</item>
/// <item><c>sqlite:relative/tracking.db</c>: the same, relative to the base directory.</item>
/// <item>a plain directory path (<c>.mlp/</c>, <c>/data/mlp</c>): <c>tracking.db</c> and <c>artifacts/</c> inside it.</item>
/// <item>empty or null: <c>.mlp/</c> under the base directory (the current directory by default).</item>
/// </list>
/// A query <c>?artifacts=PATH_OR_FILE_URI</c> puts the artifact store elsewhere. Other schemes
/// (postgres, clickhouse, s3) are added by their packages through <see cref="Register"/>.
/// </summary>
public static class TrackingStoreFactory
{
    public const string DefaultDirectory = ".mlp";
    public const string DatabaseFileName = "tracking.db";
    public const string ArtifactsDirectoryName = "artifacts";

    private static readonly ConcurrentDictionary<string, Func<string, string, TrackingStores>> Providers = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Adds a store for a URI scheme; the function gets the URI and the base directory.</summary>
    public static void Register(string scheme, Func<string, string, TrackingStores> open) => Providers[scheme] = open;

    public static TrackingStores Open(string? uri, string? baseDirectory = null)
    {
        var location = TrackingStoreLocation.Parse(uri, baseDirectory ?? Directory.GetCurrentDirectory());
        if (location.Scheme != "sqlite")
        {
            if (Providers.TryGetValue(location.Scheme, out var open))
            {
                return open(location.Uri, baseDirectory ?? Directory.GetCurrentDirectory());
            }

            var known = string.Join(", ", new[] { "sqlite" }.Concat(Providers.Keys.Order(StringComparer.Ordinal)));
            throw new TrackingStoreException(
                $"unknown store scheme '{location.Scheme}' in '{location.Uri}': supported schemes are {known}; " +
                $"use e.g. 'sqlite:///abs/path/{DatabaseFileName}' or a directory such as '{DefaultDirectory}/'");
        }

        var database = SqliteDatabase.Open(location.DatabasePath!);
        var artifacts = new LocalArtifactStore(location.ArtifactsPath!);
        return new TrackingStores(
            location.Uri,
            new SqliteTrackingStore(database, location.Uri),
            new SqliteModelRegistry(database.AddReference()),
            artifacts);
    }
}
