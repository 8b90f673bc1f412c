using MLOps.Plan;

namespace MLOps.Runtime.Policies;

/// <summary>One value a rule read from a model: <c>candidate(v3).metrics.auc = 0.93</c>.</summary>
public sealed record PolicyRead(string Expression, string Value);

/// <summary>
/// Evaluates policy expressions (<see cref="PlanExpr"/>) over a <see cref="PolicyModelContext"/>
/// with the language's typed semantics: int stays int (checked: overflow is an error), int
/// widens to float when mixed, int/float comparisons are exact (no rounding of large ints),
/// strings compare ordinally, <c>and</c>/<c>or</c> short-circuit, <c>in</c> tests list items
/// or map keys. Anything that cannot be judged throws <see cref="PolicyValueException"/>.
/// </summary>
public sealed class PolicyExpressionEvaluator(PolicyModelContext context)
{
    private readonly List<PolicyRead> _reads = [];

    /// <summary>Model values read so far (each once), in reading order.</summary>
    public IReadOnlyList<PolicyRead> Reads => _reads;

    public bool EvaluateCondition(PlanExpr condition) =>
        Evaluate(condition) is BoolValue b ? b.Value : throw new PolicyValueException("the condition is not a bool");

    public PlanValue Evaluate(PlanExpr expr) => expr switch
    {
        ConstExpr c => c.Value is EnvValue env ? ReadEnv(env.Name) : c.Value,
        ModelRefExpr m => ReadModel(m),
        OpExpr op => Operator(op),
        ListExpr l => new ListValue([.. l.Items.Select(Evaluate)]),
        RecordExpr r => new MapValue([.. r.Fields.Select(f => new KeyValuePair<string, PlanValue>(f.Name, Evaluate(f.Value)))]),
        ConcatExpr c => PlanValue.Of(string.Concat(c.Parts.Select(p => Evaluate(p) is StringValue s ? s.Value : PolicyValues.Format(Evaluate(p))))),
        EnvExpr env => ReadEnv(env.Name),
        _ => throw new PolicyValueException($"a {expr.GetType().Name} cannot be evaluated in a policy (policies read only models, constants and the environment)"),
    };

    /// <summary>
    /// The operands of the top of a rule with their values, e.g. <c>0.93 &gt; 0.915</c>, so a
    /// verdict shows what was compared. Parts that cannot be evaluated show their error.
    /// </summary>
    public string Explain(PlanExpr expr)
    {
        switch (expr)
        {
            case OpExpr { Op: "and" or "or" } op:
                return "(" + Explain(op.Args[0]) + ") " + op.Op + " (" + Explain(op.Args[1]) + ")";
            case OpExpr { Op: "not" } op:
                return "not (" + Explain(op.Args[0]) + ")";
            case OpExpr { Args.Length: 2 } op when IsComparison(op.Op):
                return Show(op.Args[0]) + " " + op.Op + " " + Show(op.Args[1]);
            default:
                return Show(expr);
        }
    }

    private string Show(PlanExpr expr)
    {
        try
        {
            return PolicyValues.Format(Evaluate(expr));
        }
        catch (PolicyValueException)
        {
            return "?";
        }
    }

    private static bool IsComparison(string op) => op is "==" or "!=" or "<" or "<=" or ">" or ">=" or "in" or "not in";

    private PlanValue ReadEnv(string name) =>
        context.Environment(name) is { } value ? PlanValue.Of(value) : throw new PolicyValueException($"the environment variable {name} is not set");

    private PlanValue ReadModel(ModelRefExpr m)
    {
        var version = context.Resolve(m.Model);
        var text = context.Describe(m.Model) + (m.Path.IsDefaultOrEmpty ? "" : "." + string.Join(".", m.Path));
        PlanValue value = new MapValue(
        [
            new("version", PlanValue.Of((long)version.Version)),
            new("metrics", PolicyValues.FromJsonObject(version.MetricsJson)),
            new("tags", PolicyValues.FromTags(version.Tags)),
        ]);
        var path = m.Path.IsDefault ? [] : m.Path;
        for (var i = 0; i < path.Length; i++)
        {
            if (value is not MapValue map || map[path[i]] is not { } next)
            {
                throw new PolicyValueException(MissingMessage(context.Describe(m.Model), path, i, value));
            }

            value = next;
        }

        if (value is NullValue && path.Length > 0)
        {
            throw new PolicyValueException($"{text} is null: a missing value is not compared");
        }

        if (!_reads.Any(r => r.Expression == text))
        {
            _reads.Add(new PolicyRead(text, PolicyValues.Format(value)));
        }

        return value;
    }

    private static string MissingMessage(string who, System.Collections.Immutable.ImmutableArray<string> path, int at, PlanValue container)
    {
        var what = at == 1 && path[0] == "metrics" ? $"metric '{path[1]}'" : at == 1 && path[0] == "tags" ? $"tag '{path[1]}'" : $"field '{string.Join(".", path.Take(at + 1))}'";
        var has = container is MapValue m && m.Entries.Length > 0 ? $" (it has: {string.Join(", ", PolicyValues.Keys(m))})" : container is MapValue ? " (it has none)" : "";
        return $"{who} has no {what}{has}";
    }

    private PlanValue Operator(OpExpr op)
    {
        switch (op.Op)
        {
            case "and":
                return PlanValue.Of(Bool(op.Args[0], "and") && Bool(op.Args[1], "and"));
            case "or":
                return PlanValue.Of(Bool(op.Args[0], "or") || Bool(op.Args[1], "or"));
            case "not":
                return PlanValue.Of(!Bool(op.Args[0], "not"));
            case "neg":
                return Evaluate(op.Args[0]) switch
                {
                    IntValue i => PlanValue.Of(Checked(() => checked(-i.Value))),
                    FloatValue f => PlanValue.Of(-f.Value),
                    var v => throw Mismatch("neg", v),
                };
            case "field":
                var target = Evaluate(op.Args[0]);
                var name = ((op.Args[1] as ConstExpr)?.Value as StringValue)?.Value ?? throw new PolicyValueException("a field access needs a constant name");
                return (target as MapValue)?[name] ?? throw new PolicyValueException($"{PolicyValues.Format(target)} has no field '{name}'");
        }

        var left = Evaluate(op.Args[0]);
        var right = Evaluate(op.Args[1]);
        return op.Op switch
        {
            "==" => PlanValue.Of(PolicyComparison.AreEqual(left, right)),
            "!=" => PlanValue.Of(!PolicyComparison.AreEqual(left, right)),
            "<" or "<=" or ">" or ">=" => PlanValue.Of(PolicyComparison.Order(op.Op, left, right)),
            "in" => PlanValue.Of(Contains(left, right)),
            "not in" => PlanValue.Of(!Contains(left, right)),
            "+" or "-" or "*" or "/" or "%" => PolicyArithmetic.Apply(op.Op, left, right),
            _ => throw new PolicyValueException($"unknown operator '{op.Op}'"),
        };
    }

    private bool Bool(PlanExpr e, string op)
    {
        var value = Evaluate(e);
        return value is BoolValue b ? b.Value : throw Mismatch(op, value);
    }

    private static bool Contains(PlanValue item, PlanValue collection) => collection switch
    {
        ListValue l => l.Items.Any(i => PolicyComparison.AreEqual(item, i)),
        MapValue m when item is StringValue key => m[key.Value] is not null,
        _ => throw new PolicyValueException($"'in' needs a list or a map of string keys on the right, not {PolicyValues.KindName(collection)} {PolicyValues.Format(collection)}"),
    };

    private static PolicyValueException Mismatch(string op, PlanValue value) =>
        new($"'{op}' cannot take {PolicyValues.KindName(value)} {PolicyValues.Format(value)}");

    internal static long Checked(Func<long> compute)
    {
        try
        {
            return compute();
        }
        catch (OverflowException)
        {
            throw new PolicyValueException("integer overflow");
        }
    }
}

/// <summary>Equality and order with exact int/float semantics.</summary>
internal static class PolicyComparison
{
    public static bool AreEqual(PlanValue a, PlanValue b) => (a, b) switch
    {
        (IntValue x, IntValue y) => x.Value == y.Value,
        (FloatValue x, FloatValue y) => x.Value == y.Value,
        (IntValue x, FloatValue y) => !double.IsNaN(y.Value) && CompareExact(x.Value, y.Value) == 0,
        (FloatValue x, IntValue y) => !double.IsNaN(x.Value) && CompareExact(y.Value, x.Value) == 0,
        (StringValue x, StringValue y) => string.Equals(x.Value, y.Value, StringComparison.Ordinal),
        (BoolValue x, BoolValue y) => x.Value == y.Value,
        (NullValue, NullValue) => true,
        (ListValue x, ListValue y) => x.Items.Length == y.Items.Length && x.Items.Zip(y.Items).All(p => AreEqual(p.First, p.Second)),
        (MapValue x, MapValue y) => x.Entries.Length == y.Entries.Length && x.Entries.All(e => y[e.Key] is { } other && AreEqual(e.Value, other)),
        _ => false,
    };

    public static bool Order(string op, PlanValue a, PlanValue b)
    {
        int? c = (a, b) switch
        {
            (IntValue x, IntValue y) => x.Value.CompareTo(y.Value),
            (FloatValue x, FloatValue y) => Nan(x.Value, y.Value) ? null : x.Value.CompareTo(y.Value),
            (IntValue x, FloatValue y) => double.IsNaN(y.Value) ? null : CompareExact(x.Value, y.Value),
            (FloatValue x, IntValue y) => double.IsNaN(x.Value) ? null : -CompareExact(y.Value, x.Value),
            (StringValue x, StringValue y) => string.CompareOrdinal(x.Value, y.Value),
            _ => throw new PolicyValueException($"'{op}' cannot order {PolicyValues.KindName(a)} {PolicyValues.Format(a)} and {PolicyValues.KindName(b)} {PolicyValues.Format(b)}"),
        };

        // NaN is unordered: every order comparison with it is false (IEEE 754).
        return c switch
        {
            null => false,
            var v => op switch { "<" => v < 0, "<=" => v <= 0, ">" => v > 0, _ => v >= 0 },
        };
    }

    private static bool Nan(double x, double y) => double.IsNaN(x) || double.IsNaN(y);

    /// <summary>Compares an int with a float without rounding the int to a double (2^53 + 1 is not 2^53).</summary>
    public static int CompareExact(long l, double d)
    {
        if (d >= 9223372036854775808.0)
        {
            return -1;
        }

        if (d < -9223372036854775808.0)
        {
            return 1;
        }

        var floor = Math.Floor(d);
        var whole = (long)floor;
        if (l != whole)
        {
            return l < whole ? -1 : 1;
        }

        return d > floor ? -1 : 0;
    }
}

/// <summary>+ - * / %: int with int stays int (except /, which is float division); mixed widens to float; division by zero is an error.</summary>
internal static class PolicyArithmetic
{
    public static PlanValue Apply(string op, PlanValue a, PlanValue b)
    {
        if (op == "+" && a is StringValue sa && b is StringValue sb)
        {
            return PlanValue.Of(sa.Value + sb.Value);
        }

        if (a is IntValue x && b is IntValue y && op != "/")
        {
            if (op == "%" && y.Value == 0)
            {
                throw new PolicyValueException($"{x.Value} % 0: division by zero");
            }

            return PlanValue.Of(PolicyExpressionEvaluator.Checked(() => op switch
            {
                "+" => checked(x.Value + y.Value),
                "-" => checked(x.Value - y.Value),
                "*" => checked(x.Value * y.Value),
                _ => x.Value % y.Value,
            }));
        }

        var l = Number(op, a);
        var r = Number(op, b);
        if (op is "/" or "%" && r == 0)
        {
            throw new PolicyValueException($"{PolicyValues.Format(a)} {op} {PolicyValues.Format(b)}: division by zero");
        }

        return PlanValue.Of(op switch
        {
            "+" => l + r,
            "-" => l - r,
            "*" => l * r,
            "/" => l / r,
            _ => l % r,
        });
    }

    private static double Number(string op, PlanValue v) => v switch
    {
        IntValue i => i.Value,
        FloatValue f => f.Value,
        _ => throw new PolicyValueException($"'{op}' needs numbers, not {PolicyValues.KindName(v)} {PolicyValues.Format(v)}"),
    };
}
