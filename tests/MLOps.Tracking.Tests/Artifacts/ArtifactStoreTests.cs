using System.Security.Cryptography;
using System.Text;
using MLOps.Tracking.Artifacts;

namespace MLOps.Tracking.Tests.Artifacts;

public sealed class ArtifactStoreTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private LocalArtifactStore Store() => new(_temp.Combine("store"));

    private string WriteFile(string relative, string content)
    {
        var path = _temp.Combine(relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    private static string Sha(string content) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(content)));

    [Fact]
    public async Task A_file_is_named_by_the_sha256_of_its_bytes_and_stored_once()
    {
        var store = Store();
        var a = await store.PutFileAsync(WriteFile("a.txt", "hello"));
        var b = await store.PutFileAsync(WriteFile("b.txt", "hello"));
        Assert.Equal(Sha("hello"), a.Digest);
        Assert.Equal(a, b);
        Assert.Equal(5, a.Size);
        Assert.False(a.IsDirectory);
        Assert.Single(Directory.EnumerateFiles(_temp.Combine("store", "objects"), "*", SearchOption.AllDirectories));
        Assert.Empty(Directory.EnumerateFiles(_temp.Combine("store", "tmp")));
        Assert.StartsWith("file:///", a.Uri, StringComparison.Ordinal);
        Assert.True(await store.ExistsAsync(a.Digest));
        await using var stream = await store.OpenReadAsync(a.Digest);
        Assert.Equal("hello", await new StreamReader(stream).ReadToEndAsync());
    }

    [Fact]
    public async Task Content_already_in_the_store_is_not_written_again()
    {
        var store = Store();
        var first = await store.PutFileAsync(WriteFile("a.txt", "same"));
        Directory.Delete(_temp.Combine("store", "tmp"));
        var again = await store.PutFileAsync(WriteFile("b.txt", "same"));
        Assert.Equal(first, again);
        Assert.False(Directory.Exists(_temp.Combine("store", "tmp")), "a known small file must be recognised by its hash, without a temp copy");
    }

    [Fact]
    public async Task An_object_cut_short_is_stored_again_by_the_next_put_of_its_content()
    {
        var store = Store();
        foreach (var content in new[] { "small and complete", new string('y', (1 << 20) + 5) })
        {
            var stored = await store.PutFileAsync(WriteFile("f.txt", content));
            var objectPath = new Uri(stored.Uri).LocalPath;
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(objectPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            File.WriteAllText(objectPath, content[..5]); // what a power loss can leave
            var again = await store.PutFileAsync(WriteFile("g.txt", content));
            Assert.Equal(stored, again);
            Assert.Equal(content, File.ReadAllText(objectPath));
        }
    }

    [Fact]
    public async Task A_large_file_is_hashed_while_copied_and_stored_once()
    {
        var store = Store();
        var content = new string('x', (1 << 20) + 17);
        var a = await store.PutFileAsync(WriteFile("big1.bin", content));
        var b = await store.PutFileAsync(WriteFile("big2.bin", content));
        Assert.Equal(Sha(content), a.Digest);
        Assert.Equal(a, b);
        Assert.Equal(content.Length, a.Size);
        Assert.Single(Directory.EnumerateFiles(_temp.Combine("store", "objects"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Concurrent_puts_of_the_same_content_all_succeed_with_one_object()
    {
        var store = Store();
        var content = new string('x', 1 << 20);
        var path = WriteFile("big.bin", content);
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => store.PutFileAsync(path))));
        Assert.Single(results.Distinct());
        Assert.Single(Directory.EnumerateFiles(_temp.Combine("store", "objects"), "*", SearchOption.AllDirectories));
        Assert.Empty(Directory.EnumerateFiles(_temp.Combine("store", "tmp")));
    }

    [Fact]
    public async Task A_directory_digest_is_the_digest_of_its_sorted_manifest()
    {
        var store = Store();
        WriteFile("d1/b.txt", "B");
        WriteFile("d1/sub/a.txt", "A");
        WriteFile("d1/a.txt", "A");
        // Same tree written in another order: same digest.
        WriteFile("d2/sub/a.txt", "A");
        WriteFile("d2/a.txt", "A");
        WriteFile("d2/b.txt", "B");
        var one = await store.PutDirectoryAsync(_temp.Combine("d1"));
        var two = await store.PutDirectoryAsync(_temp.Combine("d2"));
        Assert.Equal(one.Digest, two.Digest);
        Assert.True(one.IsDirectory);
        Assert.Equal(3, one.Size);

        var manifest = await store.GetManifestAsync(one.Digest);
        Assert.Equal(["a.txt", "b.txt", "sub/a.txt"], manifest.Select(e => e.Path));
        var expectedManifest = $"{Sha("A")[7..]} 1 a.txt\n{Sha("B")[7..]} 1 b.txt\n{Sha("A")[7..]} 1 sub/a.txt\n";
        Assert.Equal(Sha(expectedManifest), one.Digest);
        // The two files with "A" share one object.
        Assert.Equal(2, Directory.EnumerateFiles(_temp.Combine("store", "objects"), "*", SearchOption.AllDirectories).Count());

        WriteFile("d3/a.txt", "A");
        WriteFile("d3/b.txt", "changed");
        WriteFile("d3/sub/a.txt", "A");
        Assert.NotEqual(one.Digest, (await store.PutDirectoryAsync(_temp.Combine("d3"))).Digest);
    }

    [Fact]
    public async Task Materialize_recreates_files_and_directories()
    {
        var store = Store();
        var file = await store.PutAsync(WriteFile("f.txt", "data"));
        WriteFile("d/x/y.txt", "Y");
        WriteFile("d/z.txt", "Z");
        var dir = await store.PutAsync(_temp.Combine("d"));

        await store.MaterializeAsync(file.Digest, _temp.Combine("out", "f.txt"));
        Assert.Equal("data", File.ReadAllText(_temp.Combine("out", "f.txt")));
        var stat = await store.MaterializeAsync(dir.Digest, _temp.Combine("out", "d"));
        Assert.True(stat.IsDirectory);
        Assert.Equal("Y", File.ReadAllText(_temp.Combine("out", "d", "x", "y.txt")));
        Assert.Equal("Z", File.ReadAllText(_temp.Combine("out", "d", "z.txt")));
        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(_temp.Combine("out")), p => p.EndsWith(".partial", StringComparison.Ordinal));

        await Assert.ThrowsAsync<IOException>(() => store.MaterializeAsync(file.Digest, _temp.Combine("out", "f.txt")));
    }

    [Fact]
    public async Task A_corrupted_object_is_detected_and_nothing_is_left_at_the_destination()
    {
        var store = Store();
        var stored = await store.PutFileAsync(WriteFile("f.txt", "original"));
        var objectPath = new Uri(stored.Uri).LocalPath;
        File.SetAttributes(objectPath, FileAttributes.Normal);
        if (!OperatingSystem.IsWindows())
        {
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(objectPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

        }

        File.WriteAllText(objectPath, "tampered");
        var error = await Assert.ThrowsAsync<IOException>(() => store.MaterializeAsync(stored.Digest, _temp.Combine("out.txt")));
        Assert.Contains("corrupt", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(_temp.Combine("out.txt")));
        Assert.DoesNotContain(Directory.EnumerateFiles(_temp.Path), p => p.EndsWith(".partial", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Missing_and_malformed_digests_give_clear_errors()
    {
        var store = Store();
        var missing = "sha256:" + new string('0', 64);
        Assert.False(await store.ExistsAsync(missing));
        Assert.Null(await store.StatAsync(missing));
        await Assert.ThrowsAsync<TrackingNotFoundException>(() => store.OpenReadAsync(missing));
        await Assert.ThrowsAsync<TrackingNotFoundException>(() => store.MaterializeAsync(missing, _temp.Combine("o")));
        var bad = await Assert.ThrowsAsync<ArgumentException>(() => store.ExistsAsync("sha256:../../etc/passwd"));
        Assert.Contains("64 lower-case hex", bad.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<FileNotFoundException>(() => store.PutAsync(_temp.Combine("nothing-here")));
    }

    [Fact]
    public async Task Stores_opened_by_uri_share_the_artifact_folder_beside_the_database()
    {
        await using var stores = _temp.OpenStores();
        var stored = await stores.Artifacts.PutStreamAsync(new MemoryStream(Encoding.UTF8.GetBytes("model")));
        Assert.True(File.Exists(new Uri(stored.Uri).LocalPath));
        Assert.StartsWith(_temp.Combine("artifacts"), new Uri(stored.Uri).LocalPath, StringComparison.Ordinal);
        Assert.Equal(stored, await stores.Artifacts.StatAsync(stored.Digest));
    }
}
