using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using MLOps.Language.Text;

namespace MLOps.Language.Diagnostics;

public enum DiagnosticSeverity
{
    Error,
    Warning,
}

/// <summary>A code in the catalogue: stable id, severity, short title and message template.</summary>
public sealed record DiagnosticDescriptor(string Code, DiagnosticSeverity Severity, string Title, string MessageFormat)
{
    public string Format(params object?[] args) => string.Format(CultureInfo.InvariantCulture, MessageFormat, args);
}

/// <summary>Another place that explains a diagnostic ("first declared here").</summary>
public sealed record RelatedLocation(SourceSpan Span, string Message);

public sealed record Diagnostic(
    DiagnosticDescriptor Descriptor,
    SourceSpan Span,
    string Message,
    ImmutableArray<RelatedLocation> Related,
    string? Suggestion)
{
    public string Code => Descriptor.Code;

    public DiagnosticSeverity Severity => Descriptor.Severity;

    public bool IsError => Severity == DiagnosticSeverity.Error;

    /// <summary><c>path:line:col: error MLP2001: message</c>.</summary>
    public override string ToString()
    {
        var severity = Severity == DiagnosticSeverity.Error ? "error" : "warning";
        var text = $"{Span.File.Path}:{Span.Start}: {severity} {Code}: {Message}";
        return Suggestion is null ? text : text + $" (did you mean '{Suggestion}'?)";
    }
}

/// <summary>Collects diagnostics of one stage. Reports on missing nodes are dropped: recovery already reported them.</summary>
public sealed class DiagnosticBag
{
    private readonly List<Diagnostic> items = [];

    public int Count => items.Count;

    public bool HasErrors => items.Any(d => d.IsError);

    public void Add(Diagnostic diagnostic) => items.Add(diagnostic);

    public void AddRange(IEnumerable<Diagnostic> diagnostics) => items.AddRange(diagnostics);

    public Diagnostic Report(DiagnosticDescriptor descriptor, SourceSpan span, params object?[] args) =>
        Report(descriptor, span, null, [], args);

    public Diagnostic Report(DiagnosticDescriptor descriptor, SourceSpan span, string? suggestion, ImmutableArray<RelatedLocation> related, params object?[] args)
    {
        var diagnostic = new Diagnostic(descriptor, span, descriptor.Format(args), related.IsDefault ? [] : related, suggestion);
        items.Add(diagnostic);
        return diagnostic;
    }

    public ImmutableArray<Diagnostic> ToImmutable() => [.. Sorted(items)];

    /// <summary>File, then position, then code: the order users read them in.</summary>
    public static IEnumerable<Diagnostic> Sorted(IEnumerable<Diagnostic> diagnostics) =>
        diagnostics
            .OrderBy(d => d.Span.File.Path, System.StringComparer.Ordinal)
            .ThenBy(d => d.Span.Span.Start)
            .ThenBy(d => d.Code, System.StringComparer.Ordinal);
}
