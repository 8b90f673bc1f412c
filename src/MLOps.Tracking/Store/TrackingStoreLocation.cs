namespace MLOps.Tracking;

/// <summary>A parsed store URI: its scheme and, for SQLite, the database file and artifact folder.</summary>
public sealed record TrackingStoreLocation(string Uri, string Scheme, string? DatabasePath, string? ArtifactsPath)
{
    public static TrackingStoreLocation Parse(string? uri, string baseDirectory)
    {
        var text = string.IsNullOrWhiteSpace(uri) ? TrackingStoreFactory.DefaultDirectory + "/" : uri.Trim();
        string? artifacts = null;
        var query = text.IndexOf('?', StringComparison.Ordinal);
        if (query >= 0)
        {
            foreach (var pair in text[(query + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = pair.IndexOf('=', StringComparison.Ordinal);
                var key = eq < 0 ? pair : pair[..eq];
                var value = eq < 0 ? "" : System.Uri.UnescapeDataString(pair[(eq + 1)..]);
                if (key != "artifacts" || value.Length == 0)
                {
                    throw new TrackingStoreException($"store URI '{text}': unknown option '{key}' (the only option is 'artifacts=PATH')");
                }

                artifacts = StripFileScheme(value);
            }

            text = text[..query];
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        // A scheme is letters before ':' and longer than one letter (so 'C:\x' is a path).
        if (colon > 1 && text[..colon].All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '-' or '.'))
        {
            var scheme = text[..colon].ToLowerInvariant();
            if (scheme != "sqlite")
            {
                return new TrackingStoreLocation(uri!, scheme, null, null);
            }

            var rest = text[(colon + 1)..];
            string path;
            if (rest.StartsWith("///", StringComparison.Ordinal))
            {
                path = rest[2..];
            }
            else if (rest.StartsWith("//", StringComparison.Ordinal))
            {
                throw new TrackingStoreException(
                    $"store URI '{text}': a host is not allowed in a sqlite URI; use 'sqlite:///abs/path/{TrackingStoreFactory.DatabaseFileName}' (three slashes) or 'sqlite:relative/path.db'");
            }
            else
            {
                path = rest;
            }

            if (path.Length == 0)
            {
                throw new TrackingStoreException($"store URI '{text}' names no database file; use 'sqlite:///abs/path/{TrackingStoreFactory.DatabaseFileName}'");
            }

            var database = Path.GetFullPath(System.Uri.UnescapeDataString(path), baseDirectory);
            artifacts ??= Path.Combine(Path.GetDirectoryName(database)!, TrackingStoreFactory.ArtifactsDirectoryName);
            return new TrackingStoreLocation(text, "sqlite", database, Path.GetFullPath(artifacts, baseDirectory));
        }

        // A plain path: a directory holding tracking.db and artifacts/, or a .db file.
        var full = Path.GetFullPath(StripFileScheme(text), baseDirectory);
        var isDbFile = full.EndsWith(".db", StringComparison.OrdinalIgnoreCase) || full.EndsWith(".sqlite", StringComparison.OrdinalIgnoreCase);
        var directory = isDbFile ? Path.GetDirectoryName(full)! : full;
        var db = isDbFile ? full : Path.Combine(full, TrackingStoreFactory.DatabaseFileName);
        artifacts ??= Path.Combine(directory, TrackingStoreFactory.ArtifactsDirectoryName);
        return new TrackingStoreLocation("sqlite://" + (db.StartsWith('/') ? "" : "/") + db, "sqlite", db, Path.GetFullPath(artifacts, baseDirectory));
    }

    private static string StripFileScheme(string value) =>
        value.StartsWith("file://", StringComparison.OrdinalIgnoreCase) ? System.Uri.UnescapeDataString(value[7..]) : value;
}
