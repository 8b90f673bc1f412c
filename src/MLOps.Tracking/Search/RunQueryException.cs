namespace MLOps.Tracking.Search;

/// <summary>
/// A run query or order-by that cannot be understood: <see cref="Column"/> is 1-based in the text
/// the user wrote, <see cref="Reason"/> says what is wrong, <see cref="Suggestion"/> a likely fix.
/// </summary>
public sealed class RunQueryException : Exception
{
    public RunQueryException(string text, int column, string reason, string? suggestion = null)
        : base(Format(column, reason, suggestion))
    {
        Text = text;
        Column = column;
        Reason = reason;
        Suggestion = suggestion;
    }

    public string Text { get; }

    public int Column { get; }

    public string Reason { get; }

    public string? Suggestion { get; }

    /// <summary>The query with a caret under the column, for terminals.</summary>
    public string Caret => Text + Environment.NewLine + new string(' ', Math.Max(0, Column - 1)) + "^";

    private static string Format(int column, string reason, string? suggestion) =>
        suggestion is null ? $"column {column}: {reason}" : $"column {column}: {reason} ({suggestion})";
}
