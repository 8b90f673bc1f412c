using System.Reflection;

namespace MLOps.Benchmarks;

/// <summary>
/// Plain benchmark harness: <c>dotnet run -c Release --project bench/MLOps.Benchmarks -- NAME [args]</c>.
/// Each benchmark prints a Markdown table that goes into docs/performance.md as is.
/// </summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var benchmarks = typeof(Program).Assembly.GetTypes()
            .Where(t => typeof(IBenchmark).IsAssignableFrom(t) && !t.IsAbstract && !t.IsInterface)
            .Select(t => (IBenchmark)Activator.CreateInstance(t)!)
            .OrderBy(b => b.Name, StringComparer.Ordinal)
            .ToList();
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            Console.WriteLine("usage: bench NAME [args...]   (or 'all')");
            foreach (var b in benchmarks)
            {
                Console.WriteLine($"  {b.Name,-24} {b.Description}");
            }

            return args.Length == 0 ? 2 : 0;
        }

        var selected = args[0] == "all" ? benchmarks : benchmarks.Where(b => b.Name == args[0]).ToList();
        if (selected.Count == 0)
        {
            Console.Error.WriteLine($"unknown benchmark '{args[0]}'");
            return 2;
        }

        Console.WriteLine(MachineInfo.Describe());
        foreach (var b in selected)
        {
            Console.WriteLine($"## {b.Name}");
            await b.RunAsync(args.Skip(1).ToArray());
        }

        return 0;
    }
}

/// <summary>A benchmark the harness finds by reflection; put each in its own folder by area.</summary>
public interface IBenchmark
{
    string Name { get; }

    string Description { get; }

    Task RunAsync(string[] args);
}

public static class MachineInfo
{
    public static string Describe()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        return $"machine: {Environment.ProcessorCount} cores, {cpu ?? "unknown cpu"}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}, {Assembly.GetExecutingAssembly().GetName().Name}";
    }
}
