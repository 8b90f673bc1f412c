using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using MLOps.Runtime.Sweeps;

namespace MLOps.Benchmarks.Sweeps;

/// <summary>The test functions (as in the Optuna script), quartiles, and running that script.</summary>
internal static class SweepFunctions
{
    public sealed record TestFunction(string Name, SearchSpace Space, Func<double[], double> F, double Minimum);

    private static readonly double[,] A = { { 10, 3, 17, 3.5, 1.7, 8 }, { 0.05, 10, 17, 0.1, 8, 14 }, { 3, 3.5, 1.7, 10, 17, 8 }, { 17, 8, 0.05, 10, 0.1, 14 } };
    private static readonly double[,] P = { { 1312, 1696, 5569, 124, 8283, 5886 }, { 2329, 4135, 8307, 3736, 1004, 9991 }, { 2348, 1451, 3522, 2883, 3047, 6650 }, { 4047, 8828, 8732, 5743, 1091, 381 } };
    private static readonly double[] Alpha = [1.0, 1.2, 3.0, 3.2];

    public static readonly TestFunction Branin = new(
        "branin",
        new SearchSpace([new FloatDimension("x1", -5, 10, false), new FloatDimension("x2", 0, 15, false)]),
        x =>
        {
            const double b = 5.1 / (4 * Math.PI * Math.PI), c = 5 / Math.PI, t = 1 / (8 * Math.PI);
            var y = x[1] - b * x[0] * x[0] + c * x[0] - 6;
            return y * y + 10 * (1 - t) * Math.Cos(x[0]) + 10;
        },
        0.397887357729738);

    public static readonly TestFunction Hartmann6 = new(
        "hartmann6",
        new SearchSpace(Enumerable.Range(0, 6).Select(i => new FloatDimension("x" + i.ToString(CultureInfo.InvariantCulture), 0, 1, false))),
        x =>
        {
            var sum = 0.0;
            for (var i = 0; i < 4; i++)
            {
                var inner = 0.0;
                for (var j = 0; j < 6; j++)
                {
                    var d = x[j] - 1e-4 * P[i, j];
                    inner += A[i, j] * d * d;
                }

                sum += Alpha[i] * Math.Exp(-inner);
            }

            return -sum;
        },
        -3.32236801141551);

    public static readonly TestFunction[] All = [Branin, Hartmann6];

    /// <summary>Percentile with linear interpolation (numpy's default), p in [0, 100].</summary>
    public static double Quantile(IReadOnlyList<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        var pos = p / 100 * (sorted.Length - 1);
        var lo = (int)Math.Floor(pos);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }

    public static string G(double v) => v.ToString(v != 0 && Math.Abs(v) < 0.001 ? "0.00e+0" : "0.0000", CultureInfo.InvariantCulture);

    /// <summary>The Optuna script next to this file, found from the working directory or the build output.</summary>
    public static string Script()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "bench", "MLOps.Benchmarks", "Sweeps", "optuna_bench.py");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new FileNotFoundException("bench/MLOps.Benchmarks/Sweeps/optuna_bench.py not found above the working directory");
    }

    /// <summary>Runs the Optuna script with /usr/bin/python3 (Debian's python3-optuna) and parses its JSON lines.</summary>
    public static List<JsonElement> RunOptuna(params string[] args)
    {
        var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(Script());
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start /usr/bin/python3");
        var stderr = process.StandardError.ReadToEndAsync();
        var lines = new List<JsonElement>();
        while (process.StandardOutput.ReadLine() is { } line)
        {
            lines.Add(JsonDocument.Parse(line).RootElement.Clone());
        }

        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException("optuna_bench.py failed (is python3-optuna installed? apt-get install -y python3-optuna): " + stderr.Result);
        }

        return lines;
    }

    public static List<JsonElement> ReadJsonLines(string path) =>
        [.. File.ReadLines(path).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.Clone())];
}
