using MLOps.Plan;

namespace MLOps.Runtime.Values;

/// <summary>What an expression's leaves refer to: step outputs, fan-out items, swept params, models.</summary>
public interface IExprScope
{
    /// <summary>Output <paramref name="output"/> of node <paramref name="node"/> as seen from the current node instance.</summary>
    PlanValue Output(string node, string output);

    /// <summary>The item of fan-out <paramref name="fanOut"/> for the current instance.</summary>
    PlanValue Item(string fanOut);

    /// <summary>The list of <paramref name="value"/> over every instance of <paramref name="fanOut"/>.</summary>
    PlanValue Gather(string fanOut, PlanExpr value);

    PlanValue Param(string name);

    /// <summary>In policies: the candidate or an alias holder, walked by path.</summary>
    PlanValue Model(string model, IReadOnlyList<string> path) =>
        throw new RuntimeEvaluationException("model references are only valid in policies");
}

/// <summary>Evaluates plan expressions (docs/plan.md, Expressions) with the semantics the checker typed them by.</summary>
public static class ExprEvaluator
{
    public static PlanValue Evaluate(PlanExpr expr, IExprScope scope) => expr switch
    {
        ConstExpr c => c.Value,
        OutputRefExpr o => Walk(scope.Output(o.Node, o.Output), o.Path),
        FanOutItemExpr i => Walk(scope.Item(i.FanOut), i.Path),
        GatherExpr g => scope.Gather(g.FanOut, g.Value),
        ParamRefExpr p => scope.Param(p.Name),
        EnvExpr e => PlanValue.Of(Environment.GetEnvironmentVariable(e.Name) ?? ""),
        ModelRefExpr m => scope.Model(m.Model, m.Path),
        ListExpr l => new ListValue([.. l.Items.Select(i => Evaluate(i, scope))]),
        RecordExpr r => new MapValue([.. r.Fields.Select(f => new KeyValuePair<string, PlanValue>(f.Name, Evaluate(f.Value, scope)))]),
        ConcatExpr c => PlanValue.Of(string.Concat(c.Parts.Select(p => Evaluate(p, scope) switch
        {
            StringValue s => s.Value,
            var v => v.ToCommandText(),
        }))),
        OpExpr op => Operator(op, scope),
        _ => throw new RuntimeEvaluationException("unknown expression " + expr.GetType().Name),
    };

    public static bool IsTrue(PlanExpr expr, IExprScope scope) => Evaluate(expr, scope) switch
    {
        BoolValue b => b.Value,
        var v => throw new RuntimeEvaluationException($"a condition should be a bool but is {RuntimeValues.Display(v)}"),
    };

    /// <summary>Walks a field path into a record value; a missing field is null.</summary>
    public static PlanValue Walk(PlanValue value, IReadOnlyList<string> path)
    {
        foreach (var field in path)
        {
            value = value is MapValue map ? map[field] ?? PlanValue.Null : PlanValue.Null;
        }

        return value;
    }

    private static PlanValue Operator(OpExpr op, IExprScope scope)
    {
        switch (op.Op)
        {
            // Short-circuit: the right side may read a step that never ran.
            case "and":
                return PlanValue.Of(IsTrue(op.Args[0], scope) && IsTrue(op.Args[1], scope));
            case "or":
                return PlanValue.Of(IsTrue(op.Args[0], scope) || IsTrue(op.Args[1], scope));
            case "not":
                return PlanValue.Of(!IsTrue(op.Args[0], scope));
            case "field":
                var name = Evaluate(op.Args[1], scope) is StringValue s ? s.Value : "";
                return Walk(Evaluate(op.Args[0], scope), [name]);
        }

        var args = op.Args.Select(a => Evaluate(a, scope)).ToArray();
        return op.Op switch
        {
            "neg" => args[0] switch
            {
                IntValue i => PlanValue.Of(-i.Value),
                FloatValue f => PlanValue.Of(-f.Value),
                var v => throw Bad(op, v),
            },
            "==" => PlanValue.Of(ValuesEqual(args[0], args[1])),
            "!=" => PlanValue.Of(!ValuesEqual(args[0], args[1])),
            "<" => PlanValue.Of(Compare(op, args[0], args[1]) < 0),
            "<=" => PlanValue.Of(Compare(op, args[0], args[1]) <= 0),
            ">" => PlanValue.Of(Compare(op, args[0], args[1]) > 0),
            ">=" => PlanValue.Of(Compare(op, args[0], args[1]) >= 0),
            "in" => PlanValue.Of(RuntimeValues.Items(args[1], "the right side of 'in'").Any(i => ValuesEqual(args[0], i))),
            "+" when args[0] is StringValue a && args[1] is StringValue b => PlanValue.Of(a.Value + b.Value),
            "+" or "-" or "*" or "/" or "%" => Arithmetic(op, args[0], args[1]),
            _ => throw new RuntimeEvaluationException($"unknown operator '{op.Op}'"),
        };
    }

    private static PlanValue Arithmetic(OpExpr op, PlanValue left, PlanValue right)
    {
        if (left is IntValue a && right is IntValue b)
        {
            if (op.Op is "/" or "%" && b.Value == 0)
            {
                throw new RuntimeEvaluationException($"division by zero in '{op.Op}'");
            }

            return PlanValue.Of(op.Op switch
            {
                "+" => a.Value + b.Value,
                "-" => a.Value - b.Value,
                "*" => a.Value * b.Value,
                "/" => a.Value / b.Value,
                _ => a.Value % b.Value,
            });
        }

        var x = RuntimeValues.AsNumber(left) ?? throw Bad(op, left);
        var y = RuntimeValues.AsNumber(right) ?? throw Bad(op, right);
        return PlanValue.Of(op.Op switch
        {
            "+" => x + y,
            "-" => x - y,
            "*" => x * y,
            "/" => x / y,
            _ => x % y,
        });
    }

    public static bool ValuesEqual(PlanValue left, PlanValue right)
    {
        if (RuntimeValues.AsNumber(left) is { } x && RuntimeValues.AsNumber(right) is { } y)
        {
            return x == y;
        }

        return (left, right) switch
        {
            (StringValue a, StringValue b) => a.Value == b.Value,
            (ArtifactValue a, ArtifactValue b) => a.Path == b.Path,
            _ => left.Equals(right),
        };
    }

    private static int Compare(OpExpr op, PlanValue left, PlanValue right)
    {
        if (RuntimeValues.AsNumber(left) is { } x && RuntimeValues.AsNumber(right) is { } y)
        {
            return x.CompareTo(y);
        }

        if (left is StringValue a && right is StringValue b)
        {
            return string.CompareOrdinal(a.Value, b.Value);
        }

        throw new RuntimeEvaluationException(
            $"cannot compare {RuntimeValues.Display(left)} with {RuntimeValues.Display(right)} using '{op.Op}'" +
            (left is NullValue || right is NullValue ? " (a value is missing: an optional field or a metric the step did not write)" : ""));
    }

    private static RuntimeEvaluationException Bad(OpExpr op, PlanValue v) =>
        new($"'{op.Op}' cannot be applied to {RuntimeValues.Display(v)}");
}
