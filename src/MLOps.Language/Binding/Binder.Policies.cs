using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using MLOps.Language.Diagnostics;
using MLOps.Language.Syntax;

namespace MLOps.Language.Binding;

internal sealed partial class Binder
{
    /// <summary>Aliases are declared by the policies that set them; collect them first so rules may read any of them.</summary>
    private void CollectAliases()
    {
        foreach (var module in modules)
        {
            foreach (var policy in module.Syntax.Declarations.OfType<PolicyDeclarationSyntax>())
            {
                foreach (var action in policy.Members.OfType<OnOutcomeSyntax>().SelectMany(o => o.Actions).OfType<AliasActionSyntax>())
                {
                    var name = action.Alias.Name;
                    if (!name.IsMissing && !model.Aliases.ContainsKey(name.Text))
                    {
                        model.Aliases[name.Text] = new AliasSymbol(name.Text, action.Alias);
                    }
                }
            }
        }
    }

    private void BindPolicy(PolicySymbol policy)
    {
        var decl = (PolicyDeclarationSyntax)policy.Declaration!;
        var modelName = decl.Model.IsConstant ? decl.Model.ConstantValue : "";
        MlpType metrics = ErrorType.Instance;
        if (!decl.Model.IsMissing && modelName.Length > 0)
        {
            if (model.RegisteredModels.TryGetValue(modelName, out var registered))
            {
                metrics = registered;
            }
            else
            {
                diagnostics.Report(DiagnosticCatalog.UnregisteredModel, decl.Model.Span, NameSuggester.Suggest(modelName, model.RegisteredModels.Keys), [], modelName);
            }
        }

        var reads = new List<string>();
        var ctx = new BindContext(policy.Module, new Scope(ScopeOf(policy.Module)), ExpressionPlace.Policy)
        {
            PolicyModel = modelName,
            PolicyMetrics = metrics,
            ReadAliases = reads,
        };
        var rules = ImmutableArray.CreateBuilder<BoundRule>();
        var onPass = ImmutableArray.CreateBuilder<BoundAction>();
        var onFail = ImmutableArray.CreateBuilder<BoundAction>();
        foreach (var member in decl.Members)
        {
            switch (member)
            {
                case RequireRuleSyntax r:
                    var condition = BindExpression(r.Condition, ctx, PrimitiveType.Bool);
                    rules.Add(new BoundRule("require", r.Condition.Span.Text, condition, r.Message?.ConstantValue, null));
                    break;
                case ApprovalRuleSyntax a:
                    if (a.Group.ConstantValue.Trim().Length == 0)
                    {
                        diagnostics.Report(DiagnosticCatalog.InvalidPolicyAction, a.Group.Span, "An approval needs a group name, e.g. require approval from \"ml-leads\".");
                    }

                    rules.Add(new BoundRule("approval", a.Span.Text, null, null, a.Group.ConstantValue));
                    break;
                case OnOutcomeSyntax o:
                    var target = o.Outcome == PolicyOutcome.Pass ? onPass : onFail;
                    foreach (var action in o.Actions)
                    {
                        if (BindAction(action, ctx) is { } bound)
                        {
                            target.Add(bound);
                        }
                    }

                    break;
            }
        }

        foreach (var alias in onPass.Where(a => a.Kind == "alias").Select(a => a.Alias).Intersect(onFail.Where(a => a.Kind == "alias").Select(a => a.Alias)))
        {
            diagnostics.Report(DiagnosticCatalog.InvalidPolicyAction, decl.Name.Span, $"The alias '@{alias}' is set both when the policy passes and when it fails.");
        }

        policy.Bound = new BoundPolicy(modelName, [.. reads.OrderBy(r => r, System.StringComparer.Ordinal)], rules.ToImmutable(), onPass.ToImmutable(), onFail.ToImmutable());
    }

    private BoundAction? BindAction(PolicyActionSyntax action, BindContext ctx)
    {
        switch (action)
        {
            case AliasActionSyntax a when !a.Alias.Name.IsMissing:
                if (model.Aliases.TryGetValue(a.Alias.Name.Text, out var alias))
                {
                    model.Record(a.Alias.Name, alias);
                }

                return new BoundAction("alias", a.Alias.Name.Text, [], null, null);
            case TagActionSyntax t:
                var tags = ImmutableArray.CreateBuilder<KeyValuePair<string, string>>();
                foreach (var field in t.Tags.Fields)
                {
                    if (field.Value is StringLiteralSyntax { IsConstant: true } s)
                    {
                        tags.Add(new(field.Name.Text, s.ConstantValue));
                    }
                    else if (!field.Value.IsMissing)
                    {
                        diagnostics.Report(DiagnosticCatalog.InvalidPolicyAction, field.Value.Span, "Tag values are string literals.");
                    }
                }

                return new BoundAction("tag", null, tags.ToImmutable(), null, null);
            case NotifyActionSyntax n:
                if (n.Url is not StringLiteralSyntax { IsConstant: true } url || !IsHttpUrl(url.ConstantValue))
                {
                    if (!n.Url.IsMissing)
                    {
                        diagnostics.Report(DiagnosticCatalog.InvalidPolicyAction, n.Url.Span, "notify needs an http:// or https:// URL as a string literal.");
                    }

                    return null;
                }

                string? secretEnv = null;
                foreach (var field in n.With?.Fields ?? [])
                {
                    if (field.Name.Text == "secret" && field.Value is CallSyntax { Callee: NameExpressionSyntax { Name.Text: "env" } } secretCall)
                    {
                        secretEnv = (BindEnv(secretCall, ctx) as BoundEnv)?.Name;
                    }
                    else if (field.Name.Text == "secret")
                    {
                        diagnostics.Report(DiagnosticCatalog.InvalidPolicyAction, field.Value.Span, "The webhook secret must come from the environment: secret: env(\"NAME\"). Secrets do not belong in source.");
                    }
                    else
                    {
                        diagnostics.Report(DiagnosticCatalog.UnknownField, field.Name.Span, NameSuggester.Suggest(field.Name.Text, ["secret"]), [], "notify ... with", field.Name.Text);
                    }
                }

                return new BoundAction("notify", null, [], url.ConstantValue, secretEnv);
            default:
                return null;
        }
    }

    private static bool IsHttpUrl(string text) =>
        System.Uri.TryCreate(text, System.UriKind.Absolute, out var uri) && (uri.Scheme == "http" || uri.Scheme == "https");
}
