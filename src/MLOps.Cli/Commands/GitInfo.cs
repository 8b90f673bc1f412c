namespace MLOps.Cli.Commands;

/// <summary>The commit checked out in a directory's repository, read from .git without starting git.</summary>
public static class GitInfo
{
    public static string? HeadCommit(string directory)
    {
        for (var dir = new DirectoryInfo(directory); dir is not null; dir = dir.Parent)
        {
            var git = Path.Combine(dir.FullName, ".git");
            if (File.Exists(git))
            {
                // A worktree: ".git" is a file naming the real git directory.
                var line = File.ReadAllText(git).Trim();
                git = line.StartsWith("gitdir:", StringComparison.Ordinal) ? Path.GetFullPath(line[7..].Trim(), dir.FullName) : git;
            }

            if (!Directory.Exists(git))
            {
                continue;
            }

            try
            {
                var head = File.ReadAllText(Path.Combine(git, "HEAD")).Trim();
                if (!head.StartsWith("ref:", StringComparison.Ordinal))
                {
                    return head;
                }

                var name = head[4..].Trim();
                var common = File.Exists(Path.Combine(git, "commondir")) ? Path.GetFullPath(File.ReadAllText(Path.Combine(git, "commondir")).Trim(), git) : git;
                foreach (var root in new[] { git, common })
                {
                    var refPath = Path.Combine(root, name);
                    if (File.Exists(refPath))
                    {
                        return File.ReadAllText(refPath).Trim();
                    }

                    var packed = Path.Combine(root, "packed-refs");
                    if (File.Exists(packed))
                    {
                        var match = File.ReadLines(packed).FirstOrDefault(l => l.EndsWith(" " + name, StringComparison.Ordinal));
                        if (match is not null)
                        {
                            return match[..match.IndexOf(' ')];
                        }
                    }
                }
            }
            catch (IOException)
            {
            }

            return null;
        }

        return null;
    }
}
