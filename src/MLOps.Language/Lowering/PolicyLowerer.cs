using System.Collections.Immutable;
using System.Linq;
using MLOps.Language.Binding;
using MLOps.Language.Syntax;
using MLOps.Plan;

namespace MLOps.Language.Lowering;

/// <summary>Policies in plan form: rules over <c>candidate</c> and alias holders, and the actions per outcome.</summary>
internal static class PolicyLowerer
{
    public static PlanPolicy Lower(PolicySymbol policy)
    {
        var bound = policy.Bound!;
        return new PlanPolicy
        {
            Name = policy.Name,
            Model = bound.Model,
            ReadsAliases = bound.ReadsAliases,
            Rules = [.. bound.Rules.Select(r => new PlanRule(r.Kind, r.Text, r.Condition is null ? null : Expr(r.Condition), r.Message, r.Group))],
            OnPass = [.. bound.OnPass.Select(Action)],
            OnFail = [.. bound.OnFail.Select(Action)],
        };
    }

    private static PlanAction Action(BoundAction a) => new(a.Kind, a.Alias, a.Tags, a.Url, a.SecretEnv);

    private static PlanExpr Expr(BoundExpression e)
    {
        switch (e)
        {
            case BoundModelRef m:
                return new ModelRefExpr(m.Ref, []);
            case BoundMember member:
                var target = Expr(member.Target);
                return target is ModelRefExpr mr ? mr with { Path = mr.Path.Add(member.Member) } : new OpExpr("field", [target, new ConstExpr(PlanValue.Of(member.Member))]);
            case BoundBinary b:
                return new OpExpr(Binder.OperatorText(b.Operator), [Expr(b.Left), Expr(b.Right)]);
            case BoundUnary u:
                return new OpExpr(u.Operator == UnaryOperator.Not ? "not" : "neg", [Expr(u.Operand)]);
            case BoundEnv env:
                return new EnvExpr(env.Name);
            case BoundList l:
                return new ListExpr([.. l.Items.Select(Expr)]);
            default:
                return ConstantEvaluator.TryEvaluate(e, null, out var v) ? new ConstExpr(PlanTypes.Value(v, e.Type)) : new ConstExpr(PlanValue.Null);
        }
    }
}
