using System.Globalization;

namespace MLOps.Benchmarks.Tracking;

/// <summary>Percentiles and a scratch folder for the tracking benchmarks.</summary>
internal static class BenchStats
{
    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        var index = (int)Math.Ceiling(p / 100 * sorted.Length) - 1;
        return sorted[Math.Clamp(index, 0, sorted.Length - 1)];
    }

    public static string F(double value, int digits = 2) => value.ToString("N" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    public static string ScratchFolder(string name)
    {
        var path = Path.Combine(Path.GetTempPath(), "mlpc-bench", name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(path);
        return path;
    }

    public static void Remove(string path)
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
