using System.Text;
using System.Text.Json;
using MLOps.Tracking.Runs;

namespace MLOps.Runtime.Contract;

/// <summary>
/// Follows a step's metrics file (JSON lines <c>{"name": "loss", "value": 0.3, "step": 7}</c>,
/// docs/step-contract.md) while it runs, and hands each new point on. Partial lines wait for their
/// end; malformed lines are reported once each and skipped, never fatal.
/// </summary>
public sealed class MetricsTail(string path, string runId, Action<MetricPoint> onPoint, Action<string>? onWarning = null)
{
    private long offset;
    private readonly StringBuilder pending = new();
    private int lineNumber;

    public int Points { get; private set; }

    public void Poll()
    {
        if (!File.Exists(path))
        {
            return;
        }

        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (file.Length <= offset)
        {
            return;
        }

        file.Seek(offset, SeekOrigin.Begin);
        var buffer = new byte[file.Length - offset];
        var read = file.Read(buffer, 0, buffer.Length);
        offset += read;
        pending.Append(Encoding.UTF8.GetString(buffer, 0, read));
        var text = pending.ToString();
        var last = text.LastIndexOf('\n');
        if (last < 0)
        {
            return;
        }

        pending.Clear().Append(text, last + 1, text.Length - last - 1);
        foreach (var line in text[..last].Split('\n'))
        {
            lineNumber++;
            if (line.Trim().Length > 0)
            {
                Parse(line);
            }
        }
    }

    private void Parse(string line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String
                || !root.TryGetProperty("value", out var value) || value.ValueKind != JsonValueKind.Number)
            {
                Warn("needs a string \"name\" and a number \"value\"");
                return;
            }

            var step = root.TryGetProperty("step", out var s) && s.ValueKind == JsonValueKind.Number && s.TryGetInt64(out var l) ? l : 0;
            var at = root.TryGetProperty("time", out var t) && t.ValueKind == JsonValueKind.Number
                ? DateTimeOffset.FromUnixTimeMilliseconds((long)(t.GetDouble() * 1000))
                : DateTimeOffset.UtcNow;
            Points++;
            onPoint(new MetricPoint(runId, name.GetString()!, value.GetDouble(), step, at));
        }
        catch (JsonException e)
        {
            Warn("is not JSON: " + e.Message);
        }
    }

    private void Warn(string why) => onWarning?.Invoke($"{Path.GetFileName(path)} line {lineNumber} {why}; skipped");
}
