using System.Text;
using MLOps.Runtime.Contract;
using MLOps.Tracking.Runs;

namespace MLOps.Runtime.Tests.Contract;

public sealed class MetricsTailTests : IDisposable
{
    private readonly string path = Path.Combine(Path.GetTempPath(), "mlpc-tail-" + Guid.NewGuid().ToString("N") + ".jsonl");
    private readonly List<MetricPoint> points = [];
    private readonly List<string> warnings = [];

    public void Dispose() => File.Delete(path);

    private MetricsTail Tail() => new(path, "run/step", points.Add, warnings.Add);

    private void Append(string text) => File.AppendAllText(path, text, new UTF8Encoding(false));

    [Fact]
    public void Points_are_read_as_they_are_appended_and_a_partial_line_waits_for_its_end()
    {
        var tail = Tail();
        tail.Poll(); // no file yet
        Append("{\"name\": \"loss\", \"value\": 0.5, \"step\": 1}\n{\"name\": \"lo");
        tail.Poll();
        Assert.Equal([("loss", 0.5, 1L)], points.Select(p => (p.Name, p.Value, p.Step)));

        Append("ss\", \"value\": 0.25, \"step\": 2, \"time\": 1764629000.5}\r\n");
        tail.Poll();
        tail.Poll();
        Assert.Equal([("loss", 0.5, 1L), ("loss", 0.25, 2L)], points.Select(p => (p.Name, p.Value, p.Step)));
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_764_629_000_500), points[1].Timestamp);
        Assert.Equal("run/step", points[1].RunId);
        Assert.Empty(warnings);
    }

    [Fact]
    public void Malformed_lines_are_reported_once_each_with_their_number_and_skipped()
    {
        Append(string.Join("\n",
            "{\"name\": \"ok\", \"value\": 1}",
            "not json",
            "{\"name\": \"no value\"}",
            "{\"name\": 3, \"value\": 1}",
            "",
            "{\"name\": \"trailing\", \"value\": 1} {}",
            "[1, 2]",
            "{\"name\": \"ünïcode\", \"value\": -2.5e3, \"extra\": {\"nested\": [1, {\"a\": 2}]}, \"step\": 9}",
            "{\"name\": \"cut\", \"value\": ") + "\n");
        var tail = Tail();
        tail.Poll();
        tail.Poll();

        Assert.Equal([("ok", 1.0, 0L), ("ünïcode", -2500.0, 9L)], points.Select(p => (p.Name, p.Value, p.Step)));
        Assert.Equal(6, warnings.Count);
        Assert.Equal([2, 3, 4, 6, 7, 9], warnings.Select(w => int.Parse(w.Split(" line ")[1].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture)));
        Assert.All(warnings, w => Assert.EndsWith("; skipped", w));
    }

    [Fact]
    public void Field_names_are_compared_unescaped()
    {
        Append("{\"na\\u006de\": \"acc\", \"val\\u0075e\": 0.75}\n");
        Tail().Poll();
        Assert.Equal([("acc", 0.75)], points.Select(p => (p.Name, p.Value)));
        Assert.Empty(warnings);
    }

    [Fact]
    public void A_file_larger_than_one_read_is_read_whole_with_lines_split_across_reads()
    {
        var text = new StringBuilder();
        for (var i = 0; i < 60_000; i++)
        {
            text.Append("{\"name\": \"m").Append(i % 7).Append("\", \"value\": ").Append(i).Append(", \"step\": ").Append(i).Append("}\n");
        }

        Append(text.ToString()); // about 2.5 MB: several chunks
        var tail = Tail();
        tail.Poll();
        Assert.Equal(60_000, tail.Points);
        Assert.Equal(Enumerable.Range(0, 60_000).Select(i => (double)i), points.Select(p => p.Value));
        Assert.Empty(warnings);
    }
}
