using System.Buffers;
using System.Text.Json;
using MLOps.Tracking.Runs;

namespace MLOps.Runtime.Contract;

/// <summary>
/// Follows a step's metrics file (JSON lines <c>{"name": "loss", "value": 0.3, "step": 7}</c>,
/// docs/step-contract.md) while it runs, and hands each new point on. Partial lines wait for their
/// end; malformed lines are reported once each and skipped, never fatal. Lines are parsed as UTF-8
/// bytes straight from the file, in chunks, so a step that writes hundreds of thousands of points
/// is read as fast as the store takes them.
/// </summary>
public sealed class MetricsTail(string path, string runId, Action<MetricPoint> onPoint, Action<string>? onWarning = null)
{
    private const int ChunkSize = 1 << 20;

    private long offset;
    private byte[] carry = [];
    private int lineNumber;

    public int Points { get; private set; }

    public void Poll()
    {
        if (!File.Exists(path))
        {
            return;
        }

        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan);
        var end = file.Length;
        if (end <= offset)
        {
            return;
        }

        file.Seek(offset, SeekOrigin.Begin);
        var buffer = ArrayPool<byte>.Shared.Rent(ChunkSize + carry.Length);
        try
        {
            while (offset < end)
            {
                if (buffer.Length < carry.Length + ChunkSize)
                {
                    // A line longer than a chunk: make room for it and the next chunk.
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = ArrayPool<byte>.Shared.Rent(carry.Length + ChunkSize);
                }

                carry.CopyTo(buffer, 0);
                var read = file.Read(buffer, carry.Length, (int)Math.Min(ChunkSize, end - offset));
                if (read <= 0)
                {
                    break;
                }

                offset += read;
                var data = buffer.AsSpan(0, carry.Length + read);
                var consumed = ParseLines(data);
                carry = data[consumed..].ToArray();
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Parses every complete line; returns how many bytes they took (the rest waits for its end).</summary>
    private int ParseLines(ReadOnlySpan<byte> data)
    {
        var consumed = 0;
        while (true)
        {
            var newline = data[consumed..].IndexOf((byte)'\n');
            if (newline < 0)
            {
                return consumed;
            }

            lineNumber++;
            var line = data.Slice(consumed, newline).TrimEnd((byte)'\r');
            consumed += newline + 1;
            if (!line.Trim(" \t"u8).IsEmpty)
            {
                Parse(line);
            }
        }
    }

    private void Parse(ReadOnlySpan<byte> line)
    {
        string? name = null;
        double? value = null;
        long step = 0;
        double? time = null;
        try
        {
            var reader = new Utf8JsonReader(line);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                Warn("needs a string \"name\" and a number \"value\"");
                return;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                // ValueTextEquals compares the unescaped name ("na\u006de" is "name").
                var isName = reader.ValueTextEquals("name"u8);
                var isValue = reader.ValueTextEquals("value"u8);
                var isStep = reader.ValueTextEquals("step"u8);
                var isTime = reader.ValueTextEquals("time"u8);
                reader.Read();
                if (isName && reader.TokenType == JsonTokenType.String)
                {
                    name = reader.GetString();
                }
                else if (isValue && reader.TokenType == JsonTokenType.Number)
                {
                    value = reader.GetDouble();
                }
                else if (isStep && reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var s))
                {
                    step = s;
                }
                else if (isTime && reader.TokenType == JsonTokenType.Number)
                {
                    time = reader.GetDouble();
                }
                else
                {
                    reader.Skip();
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                throw new JsonException("unexpected content after the object");
            }
        }
        catch (JsonException e)
        {
            Warn("is not JSON: " + e.Message);
            return;
        }
        catch (InvalidOperationException e)
        {
            Warn("is not JSON: " + e.Message);
            return;
        }

        if (name is null || value is null)
        {
            Warn("needs a string \"name\" and a number \"value\"");
            return;
        }

        var at = time is { } seconds ? DateTimeOffset.FromUnixTimeMilliseconds((long)(seconds * 1000)) : DateTimeOffset.UtcNow;
        Points++;
        onPoint(new MetricPoint(runId, name, value.Value, step, at));
    }

    private void Warn(string why) => onWarning?.Invoke($"{Path.GetFileName(path)} line {lineNumber} {why}; skipped");
}
