using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace MLOps.Language.Modules;

/// <summary>Finds module text. Paths are normalized with '/' so diagnostics and plans read the same everywhere.</summary>
public interface IModuleResolver
{
    /// <summary>The canonical path of <paramref name="import"/> as written in module <paramref name="fromPath"/>.</summary>
    string Resolve(string fromPath, string import);

    /// <summary>The module text, or null when there is no such module.</summary>
    string? Read(string path);
}

/// <summary>Files on disk, plus <c>std/...</c> from the standard library embedded in this assembly.</summary>
public class FileSystemModuleResolver : IModuleResolver
{
    public virtual string Resolve(string fromPath, string import)
    {
        if (Stdlib.IsStdPath(import))
        {
            return import;
        }

        var dir = Path.GetDirectoryName(fromPath) ?? string.Empty;
        return Normalize(Path.Combine(dir, import));
    }

    public virtual string? Read(string path)
    {
        if (Stdlib.IsStdPath(path))
        {
            return Stdlib.Read(path);
        }

        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    public static string Normalize(string path)
    {
        var parts = new List<string>();
        var rooted = path.StartsWith("/", StringComparison.Ordinal);
        foreach (var part in path.Replace('\\', '/').Split('/'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }

            if (part == ".." && parts.Count > 0 && parts[parts.Count - 1] != "..")
            {
                parts.RemoveAt(parts.Count - 1);
            }
            else
            {
                parts.Add(part);
            }
        }

        var joined = string.Join("/", parts);
        return rooted ? "/" + joined : joined;
    }
}

/// <summary>Modules held in memory (tests, editors, the source generator), falling back to the standard library.</summary>
public sealed class InMemoryModuleResolver(IReadOnlyDictionary<string, string> files) : FileSystemModuleResolver
{
    public override string? Read(string path) =>
        Stdlib.IsStdPath(path) ? Stdlib.Read(path) : files.TryGetValue(path, out var text) ? text : null;
}

/// <summary>The standard library: .mlp modules under stdlib/, embedded as resources named <c>stdlib/...</c>.</summary>
public static class Stdlib
{
    public static bool IsStdPath(string path) => path.StartsWith("std/", StringComparison.Ordinal);

    public static IEnumerable<string> Modules =>
        typeof(Stdlib).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("stdlib/", StringComparison.Ordinal) && n.EndsWith(".mlp", StringComparison.Ordinal))
            .Select(n => "std/" + n.Substring("stdlib/".Length))
            .OrderBy(n => n, StringComparer.Ordinal);

    public static string? Read(string path)
    {
        var resource = "stdlib/" + path.Substring("std/".Length);
        using var stream = typeof(Stdlib).Assembly.GetManifestResourceStream(resource);
        if (stream is null)
        {
            return null;
        }

        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
