using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace MLOps.Tracking.Artifacts;

/// <summary>
/// Content-addressed store in a local folder:
/// <code>
/// ROOT/objects/ab/cdef...   file contents, named by sha256 of the bytes (read-only once written)
/// ROOT/trees/ab/cdef...     directory manifests, named by sha256 of the manifest bytes
/// ROOT/tmp/                 partial writes; renamed into place when complete
/// </code>
/// A manifest has one line per file, sorted by path (ordinal): <c>HEX SIZE PATH\n</c> with '/'
/// separators. Writes go to a temp file that is renamed into place, so a reader never sees a
/// partial object and two writers of the same content both succeed with one copy kept.
/// </summary>
public sealed class LocalArtifactStore : IArtifactStore
{
    private const string Prefix = "sha256:";

    public LocalArtifactStore(string root)
    {
        Root = Path.GetFullPath(root);
        Uri = new Uri(Root + Path.DirectorySeparatorChar).AbsoluteUri;
    }

    public string Root { get; }

    public string Uri { get; }

    private string TempDirectory => Path.Combine(Root, "tmp");

    public Task<StoredArtifact> PutAsync(string path, CancellationToken cancellationToken = default) =>
        Directory.Exists(path) ? PutDirectoryAsync(path, cancellationToken)
        : File.Exists(path) ? PutFileAsync(path, cancellationToken)
        : throw new FileNotFoundException($"cannot store artifact '{path}': no such file or directory", path);

    /// <summary>
    /// Files up to this size are hashed before anything is written: content already in the store
    /// (a re-run, a step that wrote what another wrote) then costs one read, no copy and no fsync.
    /// Larger files are hashed while they are copied, so they are read once.
    /// </summary>
    private const int HashFirstLimit = 1 << 20;

    public async Task<StoredArtifact> PutFileAsync(string path, CancellationToken cancellationToken = default)
    {
        // Small files are hashed with synchronous reads: most step outputs are small, and on Linux
        // an asynchronous read of a few bytes costs a trip through the thread pool (which is all
        // an asynchronous file read is there, so larger files lose nothing by a synchronous handle).
        await using var source = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        if (source.Length <= HashFirstLimit)
        {
            var hex = Convert.ToHexStringLower(SHA256.HashData(source));
            if (HoldsObject(ObjectPath("objects", hex), source.Length))
            {
                return new StoredArtifact(Prefix + hex, source.Length, ObjectUri("objects", hex), IsDirectory: false);
            }

            source.Seek(0, SeekOrigin.Begin);
        }

        return await PutStreamAsync(source, cancellationToken).ConfigureAwait(false);
    }

    public async Task<StoredArtifact> PutStreamAsync(Stream content, CancellationToken cancellationToken = default)
    {
        var (hex, size) = await WriteObjectAsync(content, "objects", cancellationToken).ConfigureAwait(false);
        return new StoredArtifact(Prefix + hex, size, ObjectUri("objects", hex), IsDirectory: false);
    }

    public async Task<StoredArtifact> PutDirectoryAsync(string path, CancellationToken cancellationToken = default)
    {
        var root = Path.GetFullPath(path);
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"cannot store artifact directory '{path}': it does not exist");
        }

        var entries = new List<ManifestEntry>();
        foreach (var file in Directory.EnumerateFiles(root, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            var relative = Path.GetRelativePath(root, file).Replace(Path.DirectorySeparatorChar, '/');
            var stored = await PutFileAsync(file, cancellationToken).ConfigureAwait(false);
            entries.Add(new ManifestEntry(relative, stored.Digest, stored.Size));
        }

        entries.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        var manifest = FormatManifest(entries);
        using var stream = new MemoryStream(manifest);
        var (hex, _) = await WriteObjectAsync(stream, "trees", cancellationToken).ConfigureAwait(false);
        return new StoredArtifact(Prefix + hex, entries.Sum(e => e.Size), ObjectUri("trees", hex), IsDirectory: true);
    }

    public Task<bool> ExistsAsync(string digest, CancellationToken cancellationToken = default) =>
        Task.FromResult(Locate(digest) is not null);

    public async Task<StoredArtifact?> StatAsync(string digest, CancellationToken cancellationToken = default)
    {
        var located = Locate(digest);
        if (located is not { } found)
        {
            return null;
        }

        if (!found.IsDirectory)
        {
            return new StoredArtifact(digest, new FileInfo(found.Path).Length, ObjectUri("objects", found.Hex), false);
        }

        var entries = await GetManifestAsync(digest, cancellationToken).ConfigureAwait(false);
        return new StoredArtifact(digest, entries.Sum(e => e.Size), ObjectUri("trees", found.Hex), true);
    }

    public async Task<IReadOnlyList<ManifestEntry>> GetManifestAsync(string digest, CancellationToken cancellationToken = default)
    {
        var hex = Hex(digest);
        var path = ObjectPath("trees", hex);
        if (!File.Exists(path))
        {
            throw new TrackingNotFoundException($"no directory artifact {digest} in {Uri}");
        }

        var text = await File.ReadAllTextAsync(path, Encoding.UTF8, cancellationToken).ConfigureAwait(false);
        return ParseManifest(text, digest);
    }

    public Task<Stream> OpenReadAsync(string digest, CancellationToken cancellationToken = default)
    {
        var path = ObjectPath("objects", Hex(digest));
        if (!File.Exists(path))
        {
            throw new TrackingNotFoundException(File.Exists(ObjectPath("trees", Hex(digest)))
                ? $"{digest} is a directory artifact; materialize it to a folder instead of opening it"
                : $"no artifact {digest} in {Uri}");
        }

        return Task.FromResult<Stream>(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan));
    }

    public async Task<StoredArtifact> MaterializeAsync(string digest, string destination, CancellationToken cancellationToken = default)
    {
        var target = Path.GetFullPath(destination);
        var located = Locate(digest) ?? throw new TrackingNotFoundException($"no artifact {digest} in {Uri}");
        if (File.Exists(target) || (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any()))
        {
            throw new IOException($"cannot materialize {digest} to '{destination}': it already exists; choose a new path or remove it");
        }

        var parent = Path.GetDirectoryName(target)!;
        Directory.CreateDirectory(parent);
        // Build beside the target, then rename: the target appears complete or not at all.
        var staging = Path.Combine(parent, $".{Path.GetFileName(target)}.{Guid.NewGuid():N}.partial");
        try
        {
            if (!located.IsDirectory)
            {
                await CopyVerifiedAsync(digest, staging, cancellationToken).ConfigureAwait(false);
                File.Move(staging, target);
                return new StoredArtifact(digest, new FileInfo(target).Length, ObjectUri("objects", located.Hex), false);
            }

            var entries = await GetManifestAsync(digest, cancellationToken).ConfigureAwait(false);
            Directory.CreateDirectory(staging);
            foreach (var entry in entries)
            {
                var file = Path.GetFullPath(Path.Combine(staging, entry.Path.Replace('/', Path.DirectorySeparatorChar)));
                if (!file.StartsWith(staging + Path.DirectorySeparatorChar, StringComparison.Ordinal))
                {
                    throw new IOException($"manifest {digest} has a path that leaves the folder: '{entry.Path}'");
                }

                Directory.CreateDirectory(Path.GetDirectoryName(file)!);
                await CopyVerifiedAsync(entry.Digest, file, cancellationToken).ConfigureAwait(false);
            }

            if (Directory.Exists(target))
            {
                Directory.Delete(target);
            }

            Directory.Move(staging, target);
            return new StoredArtifact(digest, entries.Sum(e => e.Size), ObjectUri("trees", located.Hex), true);
        }
        finally
        {
            if (File.Exists(staging))
            {
                File.Delete(staging);
            }
            else if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }

    private async Task CopyVerifiedAsync(string digest, string destination, CancellationToken cancellationToken)
    {
        await using (var source = await OpenReadAsync(digest, cancellationToken).ConfigureAwait(false))
        await using (var target = new FileStream(destination, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
        using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
        {
            var buffer = new byte[1 << 16];
            int read;
            while ((read = await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                hash.AppendData(buffer, 0, read);
                await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
            }

            var actual = Prefix + Convert.ToHexStringLower(hash.GetHashAndReset());
            if (actual != digest)
            {
                throw new IOException($"artifact {digest} is corrupt in {Uri}: its bytes hash to {actual}; remove the object and store it again");
            }
        }
    }

    private async Task<(string Hex, long Size)> WriteObjectAsync(Stream content, string kind, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(TempDirectory);
        var temp = Path.Combine(TempDirectory, Guid.NewGuid().ToString("N"));
        try
        {
            string hex;
            long size = 0;
            await using (var target = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                var buffer = new byte[1 << 16];
                int read;
                while ((read = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                    await target.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                    size += read;
                }

                await target.FlushAsync(cancellationToken).ConfigureAwait(false);
                hex = Convert.ToHexStringLower(hash.GetHashAndReset());
            }

            var final = ObjectPath(kind, hex);
            if (HoldsObject(final, size))
            {
                return (hex, size);
            }

            Directory.CreateDirectory(Path.GetDirectoryName(final)!);
            try
            {
                // A present object of the wrong size was cut short (power lost before its bytes
                // reached the disk): the complete copy replaces it.
                File.Move(temp, final, overwrite: File.Exists(final));
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(final, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
                }
            }
            catch (IOException) when (File.Exists(final))
            {
                // Another writer stored the same content first: same bytes, keep theirs.
            }

            return (hex, size);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    /// <summary>
    /// Objects are not fsynced (like the WAL database beside them, they survive any crash of a
    /// process, not necessarily a power loss); an object cut short by one has the wrong size here
    /// and the wrong digest when read, and is stored again by the next put of its content.
    /// </summary>
    private static bool HoldsObject(string path, long size)
    {
        var info = new FileInfo(path);
        return info.Exists && info.Length == size;
    }

    private (string Path, string Hex, bool IsDirectory)? Locate(string digest)
    {
        var hex = Hex(digest);
        var file = ObjectPath("objects", hex);
        if (File.Exists(file))
        {
            return (file, hex, false);
        }

        var tree = ObjectPath("trees", hex);
        return File.Exists(tree) ? (tree, hex, true) : null;
    }

    private string ObjectPath(string kind, string hex) => Path.Combine(Root, kind, hex[..2], hex[2..]);

    private string ObjectUri(string kind, string hex) => new Uri(ObjectPath(kind, hex)).AbsoluteUri;

    private static string Hex(string digest)
    {
        if (!digest.StartsWith(Prefix, StringComparison.Ordinal) || digest.Length != Prefix.Length + 64 ||
            !digest.AsSpan(Prefix.Length).ContainsOnlyHexLowercase())
        {
            throw new ArgumentException($"'{digest}' is not an artifact digest: expected sha256: followed by 64 lower-case hex digits");
        }

        return digest[Prefix.Length..];
    }

    internal static byte[] FormatManifest(IEnumerable<ManifestEntry> entries)
    {
        var text = new StringBuilder();
        foreach (var entry in entries)
        {
            text.Append(entry.Digest.AsSpan(Prefix.Length)).Append(' ').Append(entry.Size.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(entry.Path).Append('\n');
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    private static List<ManifestEntry> ParseManifest(string text, string digest)
    {
        var entries = new List<ManifestEntry>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ', 3);
            if (parts.Length != 3 || !long.TryParse(parts[1], CultureInfo.InvariantCulture, out var size))
            {
                throw new IOException($"manifest {digest} has a malformed line: '{line}'");
            }

            entries.Add(new ManifestEntry(parts[2], Prefix + parts[0], size));
        }

        return entries;
    }
}

internal static class HexSpanExtensions
{
    public static bool ContainsOnlyHexLowercase(this ReadOnlySpan<char> span)
    {
        foreach (var c in span)
        {
            if (!char.IsAsciiDigit(c) && c is not (>= 'a' and <= 'f'))
            {
                return false;
            }
        }

        return true;
    }
}
