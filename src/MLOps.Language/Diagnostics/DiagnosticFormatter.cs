using System.Collections.Generic;
using System.Text;

namespace MLOps.Language.Diagnostics;

/// <summary>Compiler-style text: <c>path:line:col: error CODE: message</c>, the source line, a caret underline.</summary>
public static class DiagnosticFormatter
{
    public static string Format(Diagnostic d, bool color = false)
    {
        var sb = new StringBuilder();
        var severity = d.Severity == DiagnosticSeverity.Error ? "error" : "warning";
        sb.Append(d.Span.File.Path).Append(':').Append(d.Span.Start.Line).Append(':').Append(d.Span.Start.Column).Append(": ")
            .Append(severity).Append(' ').Append(d.Code).Append(": ").Append(d.Message);
        if (d.Suggestion is not null)
        {
            sb.Append(" Did you mean '").Append(d.Suggestion).Append("'?");
        }

        sb.Append('\n');
        var start = d.Span.Start;
        var line = d.Span.File.GetLineText(start.Line).Replace('\t', ' ');
        sb.Append("  ").Append(line).Append('\n');
        var end = d.Span.End;
        var width = end.Line == start.Line ? end.Column - start.Column : line.Length - start.Column + 1;
        sb.Append("  ").Append(' ', System.Math.Max(0, start.Column - 1)).Append('^', System.Math.Max(1, width)).Append('\n');
        foreach (var r in d.Related)
        {
            sb.Append(r.Span.File.Path).Append(':').Append(r.Span.Start.Line).Append(':').Append(r.Span.Start.Column).Append(": note: ").Append(r.Message).Append('\n');
        }

        return sb.ToString();
    }

    public static string Format(IEnumerable<Diagnostic> diagnostics)
    {
        var sb = new StringBuilder();
        foreach (var d in diagnostics)
        {
            sb.Append(Format(d));
        }

        return sb.ToString();
    }
}
