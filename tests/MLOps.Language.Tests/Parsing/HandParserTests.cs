using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text;
using MLOps.Language.Parsing;
using MLOps.Language.Syntax;
using MLOps.Language.Tests.Fuzz;
using MLOps.Language.Text;

namespace MLOps.Language.Tests.Parsing;

/// <summary>
/// The hand-written parser must give exactly what ANTLR's parser and the tree builder give (the
/// grammar is the reference): the same tree, spans and diagnostics, over every source in the
/// repository, fuzz mutants and the inputs where the grammar is ambiguous. It may give up on any
/// input (ANTLR then parses it), but never on a repository source without syntax errors.
/// </summary>
public sealed class HandParserTests
{
    private const int Mutants = 10_000;

    private static readonly string[] Statements =
    [
        "let x = a\n  -b", "f\n  (x)", "g\n  not in h", "i\n  not j", "yield x", "yield -x", "yield not x", "yield [1]",
        "yield \"s\"", "yield yield", "yield (x)", "yield {a: 1}", "yield", "yield not in x", "register a as b with {c: 1}",
        "register a as b with {c: 1}.d", "register a as b\n  with {c: 1}", "register a as b with.c", "let xs = for x in a in b { yield x }",
        "for y in [1, 2,] { f(a: 1, b, c: 2,) }", "if a { } else if b { } else { }", "return {\"a-b\": 1, c: @alias, d: none, e: true}",
        "f(\"${x.y} ${f(1)} ${-a} \\n \\q ${} ${\"\"}\")", "a.b(c)(d).e", "-a.b(c) * -1 - -2.5",
    ];

    private static readonly string[] Properties =
    [
        "objective = maximize x", "objective = maximize -x", "objective = minimize not x", "o = maximize\n  x = 1", "o = maximize {a: 1}",
        "o = maximize {a: 1}.a", "o = maximize(x)", "o = maximize (a: 1)", "o = maximize [1]", "o = foo {a: 1}", "o = foo {a: 1} * 2",
        "o = maximize not in x", "o = maximize step = 1", "a = 1, b = 2; c = k8s { }",
    ];

    private static readonly string[] Modules =
    [
        "policy p for model \"m\" {\n  require approval from \"g\"\n  require approval.x > 1\n  require x else \"m\"\n  on pass => tag {a: 1}, alias @prod, notify \"u\" with {a: 1}\n  on fail => notify \"u\"\n}",
        "policy p for model \"m\" {\n  require approval\n}",
        "policy p for model \"m\" {\n  on pass => tag {a: 1}.b\n}",
        "sweep s over a.b.c {\n  lr ~ uniform(0.1, 1.0),\n  step ~ choice([1, 2]);\n  trials = 10\n  objective = maximize m.auc\n}",
        "param a: int = -1 * 2 - -3 + -(4) * 5 % 6 / 7\nparam b: bool = not a == b and c or d in e not in f and g < h <= i > j >= k != l\nparam c: float = -1.5e3\nparam d: int = -9223372036854775808\n",
        "type T = { a: list<map<string, int?>?>, b: std.x.Y?? }\ntype U = {}\nenum E { a, b, }\nenum F {}\nartifact A;\nimport \"x\" as step;\nimport \"y\";\n",
        "pipeline p(a: int = 1, b: float,) -> (o: T,) { }\nstep s() { }\ntarget t = slurm { }",
        "param x: int = 1 2\n",
        "param x: duration = 1.5m\nparam y: size = 1.5KB\nparam z: int = 99999999999999999999\nparam w: float = 1e999\nparam v: size = 1.5B\n",
    ];

    public static TheoryData<string> Ambiguous()
    {
        var data = new TheoryData<string>();
        foreach (var s in Statements)
        {
            data.Add("pipeline p() {\n  " + s + "\n}");
        }

        foreach (var p in Properties)
        {
            data.Add("step s() -> (o: File) {\n  " + p + "\n}");
        }

        foreach (var m in Modules)
        {
            data.Add(m);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Ambiguous))]
    public void Ambiguous_input_parses_like_the_grammar(string text) => AssertSame(text);

    [Fact]
    public void Every_repository_source_parses_like_the_grammar_and_on_the_fast_path()
    {
        foreach (var seed in MutationFuzzTests.Seeds())
        {
            var reference = AssertSame(seed);
            if (!reference.Diagnostics.Any(d => d.Code is "MLP1001" or "MLP1002" or "MLP1003" or "MLP1004"))
            {
                var file = new SourceFile("main.mlp", seed);
                var lexed = HandLexer.Lex(seed, 0, seed.Length);
                Assert.True(
                    HandParser.TryParseUnit(file, lexed.Tokens, [], new Diagnostics.DiagnosticBag()) is not null,
                    "the hand parser gave up on a source without syntax errors:\n" + seed);
            }
        }
    }

    [Fact]
    public void Fuzz_mutants_parse_like_the_grammar()
    {
        var seeds = MutationFuzzTests.Seeds();
        var random = new Random(20261202);
        for (var i = 0; i < Mutants; i++)
        {
            AssertSame(MutationFuzzTests.Mutate(seeds[random.Next(seeds.Count)], random));
        }
    }

    private static ParseResult AssertSame(string text)
    {
        var file = new SourceFile("main.mlp", text);
        var (expected, actual) = Compilation.WithLargeStack(() => (SyntaxParser.Parse(file, useHandParser: false), SyntaxParser.Parse(file, useHandParser: true)));
        Assert.True(Dump(expected.Root) == Dump(actual.Root), $"trees differ for:\n{text}\n--- grammar\n{Dump(expected.Root)}\n--- hand\n{Dump(actual.Root)}");
        Assert.Equal(expected.Diagnostics.Select(d => d.ToString()), actual.Diagnostics.Select(d => d.ToString()));
        Assert.Equal(expected.Diagnostics.Select(d => d.Span.Span), actual.Diagnostics.Select(d => d.Span.Span));
        return expected;
    }

    private static string Dump(object? node)
    {
        var sb = new StringBuilder();
        Dump(node, sb, 0);
        return sb.ToString();
    }

    private static void Dump(object? value, StringBuilder sb, int depth)
    {
        switch (value)
        {
            case null:
                sb.Append("null");
                return;
            case string s:
                sb.Append('"').Append(s).Append('"');
                return;
            case SourceSpan span:
                sb.Append(span.File.Path).Append(span.Span.ToString());
                return;
            case SourceFile f:
                sb.Append(f.Path);
                return;
            case IFormattable formattable when value.GetType().IsPrimitive || value is Enum:
                sb.Append(formattable.ToString(null, CultureInfo.InvariantCulture)).Append(':').Append(value.GetType().Name);
                return;
            case bool b:
                sb.Append(b);
                return;
            case IEnumerable items:
                if (value.GetType().GetProperty("IsDefault")?.GetValue(value) is true)
                {
                    sb.Append("default");
                    return;
                }

                sb.Append('[');
                foreach (var item in items)
                {
                    sb.Append('\n').Append(' ', depth * 2 + 2);
                    Dump(item, sb, depth + 1);
                }

                sb.Append(']');
                return;
        }

        var type = value.GetType();
        sb.Append(type.Name).Append(" {");
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).OrderBy(p => p.Name, StringComparer.Ordinal))
        {
            if (property.Name is "Children" or "EqualityContract" || property.GetIndexParameters().Length > 0)
            {
                continue;
            }

            sb.Append(' ').Append(property.Name).Append('=');
            Dump(property.GetValue(value), sb, depth + 1);
        }

        sb.Append(" }");
    }
}
