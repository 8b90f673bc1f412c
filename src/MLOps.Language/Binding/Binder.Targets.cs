using System.Collections.Generic;
using System.Linq;
using MLOps.Language.Diagnostics;
using MLOps.Language.Syntax;

namespace MLOps.Language.Binding;

internal sealed partial class Binder
{
    private void BindTarget(TargetSymbol target)
    {
        var decl = (TargetDeclarationSyntax)target.Declaration!;
        var module = declaringModules[target];
        var ctx = new BindContext(module, ScopeOf(module), ExpressionPlace.Constant);
        if (decl.Kind.IsMissing)
        {
            return;
        }

        if (!TargetKinds.Properties.TryGetValue(decl.Kind.Text, out var schema))
        {
            diagnostics.Report(DiagnosticCatalog.UnknownTargetKind, decl.Kind.Span, NameSuggester.Suggest(decl.Kind.Text, TargetKinds.Kinds), [], decl.Kind.Text);
            foreach (var p in decl.Properties.Properties)
            {
                BindExpression(p.Value, ctx);
            }

            return;
        }

        var seen = new Dictionary<string, PropertySyntax>(System.StringComparer.Ordinal);
        foreach (var property in decl.Properties.Properties)
        {
            if (property.Name.IsMissing)
            {
                continue;
            }

            var name = property.Name.Text;
            var spec = schema.FirstOrDefault(s => s.Name == name);
            if (spec is null)
            {
                BindExpression(property.Value, ctx);
                diagnostics.Report(DiagnosticCatalog.UnknownTargetProperty, property.Name.Span, NameSuggester.Suggest(name, schema.Select(s => s.Name)), [], decl.Kind.Text, name);
                continue;
            }

            if (seen.TryGetValue(name, out var first))
            {
                diagnostics.Report(DiagnosticCatalog.DuplicateProperty, property.Name.Span, null, [new RelatedLocation(first.Name.Span, "first set here")], name);
                continue;
            }

            seen[name] = property;
            BoundExpression value;
            if (spec.Type == PrimitiveType.Duration)
            {
                var seconds = ConstantNumber(property.Value, ctx, PrimitiveType.Duration, name, "a duration such as 5s", positive: true);
                value = seconds is { } s ? new BoundLiteral(PrimitiveType.Duration, s, property.Value.Span) : new BoundError(property.Value.Span);
            }
            else
            {
                value = BindConstant(property.Value, ctx, spec.Type, $"The target property '{name}'");
            }

            target.Properties.Add(new(name, value));
        }

        foreach (var required in schema.Where(s => s.Required && !seen.ContainsKey(s.Name)))
        {
            diagnostics.Report(DiagnosticCatalog.MissingTargetProperty, decl.Kind.Span, decl.Kind.Text, required.Name);
        }

        if (decl.Kind.Text == "slurm" && seen.ContainsKey("token_env") && seen.ContainsKey("jwt_key_file"))
        {
            diagnostics.Report(DiagnosticCatalog.InvalidValue, seen["jwt_key_file"].Name.Span, "Give either 'token_env' or 'jwt_key_file', not both.");
        }

        var literals = target.Properties.Select(p => (p.Key, Value: LiteralText(p.Value))).Where(p => p.Value is not null).ToDictionary(p => p.Key, p => p.Value, System.StringComparer.Ordinal);
        foreach (var (property, message) in TargetKinds.CheckValues(decl.Kind.Text, literals))
        {
            diagnostics.Report(DiagnosticCatalog.InvalidValue, seen[property].Value.Span, message);
        }
    }

    /// <summary>The value of a literal or of a string without interpolations; null otherwise.</summary>
    private static object? LiteralText(BoundExpression e) => e switch
    {
        BoundLiteral l => l.Value,
        BoundString s when s.Parts.All(p => p is BoundLiteral) => string.Concat(s.Parts.Select(p => ((BoundLiteral)p).Value as string)),
        _ => null,
    };
}
