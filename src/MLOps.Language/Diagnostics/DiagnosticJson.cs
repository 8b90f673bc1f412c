using System.Collections.Generic;
using System.IO;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace MLOps.Language.Diagnostics;

/// <summary>Diagnostics for machines (<c>--format json</c>): the same data the text form shows.</summary>
public static class DiagnosticJson
{
    public static string Write(IEnumerable<Diagnostic> diagnostics)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, NewLine = "\n", Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteStartArray("diagnostics");
            foreach (var d in diagnostics)
            {
                w.WriteStartObject();
                w.WriteString("code", d.Code);
                w.WriteString("severity", d.Severity == DiagnosticSeverity.Error ? "error" : "warning");
                w.WriteString("message", d.Message);
                WriteSpan(w, "span", d.Span);
                if (d.Suggestion is not null)
                {
                    w.WriteString("suggestion", d.Suggestion);
                }

                w.WriteStartArray("related");
                foreach (var r in d.Related)
                {
                    w.WriteStartObject();
                    w.WriteString("message", r.Message);
                    WriteSpan(w, "span", r.Span);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    private static void WriteSpan(Utf8JsonWriter w, string name, Text.SourceSpan span)
    {
        w.WriteStartObject(name);
        w.WriteString("file", span.File.Path);
        w.WriteNumber("start", span.Span.Start);
        w.WriteNumber("end", span.Span.End);
        w.WriteNumber("line", span.Start.Line);
        w.WriteNumber("column", span.Start.Column);
        w.WriteNumber("end_line", span.End.Line);
        w.WriteNumber("end_column", span.End.Column);
        w.WriteEndObject();
    }
}
