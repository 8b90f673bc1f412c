namespace MLOps.Language.Tests;

/// <summary>Finds the repository (the folder with MLOps.sln) and its .mlp files.</summary>
internal static class RepoFiles
{
    public static string Root { get; } = FindRoot();

    public static IEnumerable<string> MlpFiles(params string[] folders) =>
        folders.Select(f => Path.Combine(Root, f))
            .Where(Directory.Exists)
            .SelectMany(d => Directory.EnumerateFiles(d, "*.mlp", SearchOption.AllDirectories))
            .Where(p => !p.Contains("/bin/") && !p.Contains("/obj/"))
            .OrderBy(p => p, StringComparer.Ordinal);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "MLOps.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("cannot find the repository root (MLOps.sln) above " + AppContext.BaseDirectory);
    }
}
