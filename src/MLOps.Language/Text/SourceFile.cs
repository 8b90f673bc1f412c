using System;

namespace MLOps.Language.Text;

/// <summary>The text of one module and where its lines start; maps offsets to 1-based line:column.</summary>
public sealed class SourceFile
{
    private readonly int[] lineStarts;

    public SourceFile(string path, string text)
    {
        Path = path;
        Text = text;
        lineStarts = ComputeLineStarts(text);
    }

    /// <summary>The path as given by the user (or <c>std/...</c> for the standard library).</summary>
    public string Path { get; }

    public string Text { get; }

    public int LineCount => lineStarts.Length;

    public LinePosition GetPosition(int offset)
    {
        offset = Math.Max(0, Math.Min(offset, Text.Length));
        var index = Array.BinarySearch(lineStarts, offset);
        var line = index >= 0 ? index : ~index - 1;
        return new LinePosition(line + 1, offset - lineStarts[line] + 1);
    }

    public int GetOffset(int line, int column)
    {
        var l = Math.Max(1, Math.Min(line, lineStarts.Length)) - 1;
        return Math.Min(Text.Length, lineStarts[l] + Math.Max(0, column - 1));
    }

    /// <summary>The text of a 1-based line without its line break.</summary>
    public string GetLineText(int line)
    {
        if (line < 1 || line > lineStarts.Length)
        {
            return string.Empty;
        }

        var start = lineStarts[line - 1];
        var end = line < lineStarts.Length ? lineStarts[line] : Text.Length;
        while (end > start && (Text[end - 1] == '\n' || Text[end - 1] == '\r'))
        {
            end--;
        }

        return Text.Substring(start, end - start);
    }

    public override string ToString() => Path;

    // Counted first, then filled: a growing list of a large file's line starts would leave
    // several arrays on the large-object heap, whose allocations trigger full collections.
    private static int[] ComputeLineStarts(string text)
    {
        var count = 1;
        for (var i = text.IndexOf('\n'); i >= 0; i = text.IndexOf('\n', i + 1))
        {
            count++;
        }

        var starts = new int[count];
        var line = 1;
        for (var i = text.IndexOf('\n'); i >= 0; i = text.IndexOf('\n', i + 1))
        {
            starts[line++] = i + 1;
        }

        return starts;
    }
}

public readonly record struct LinePosition(int Line, int Column)
{
    public override string ToString() => $"{Line}:{Column}";
}

/// <summary>Offsets into a file: <c>[Start, End)</c>.</summary>
public readonly record struct TextSpan(int Start, int End)
{
    public int Length => End - Start;

    public bool Contains(int offset) => offset >= Start && offset < End;

    public static TextSpan FromBounds(int start, int end) => new(start, Math.Max(start, end));
}

/// <summary>A span in a file: offsets plus line:column of its start and end, for messages and editors.</summary>
public readonly record struct SourceSpan(SourceFile File, TextSpan Span)
{
    public LinePosition Start => File.GetPosition(Span.Start);

    public LinePosition End => File.GetPosition(Span.End);

    public SourceSpan Cover(SourceSpan other) =>
        ReferenceEquals(File, other.File) ? new SourceSpan(File, TextSpan.FromBounds(Math.Min(Span.Start, other.Span.Start), Math.Max(Span.End, other.Span.End))) : this;

    public string Text => File.Text.Substring(Span.Start, Math.Min(Span.Length, File.Text.Length - Span.Start));

    public override string ToString() => $"{File.Path}:{Start}";
}
