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

    public static TheoryData<string> Ambiguous() =>
    [
        "pipeline p() {\n  let x = a\n  -b\n  f\n  (x)\n  g\n  not in h\n  i\n  not j\n}",
        "pipeline p() {\n  yield x\n  yield -x\n  yield not x\n  yield [1]\n  yield \"s\"\n  yield yield\n  yield (x)\n  yield {a: 1}\n  yield\n}",
        "pipeline p() {\n  register a as b with {c: 1}\n  register a as b with {c: 1}.d\n  register a as b\n  with {c: 1}\n  register a as b with.c\n}",
        "step s() -> (o: File) {\n  objective = maximize x\n  objective = maximize -x\n  objective = minimize not x\n  o = maximize\n  x = 1\n  o = maximize {a: 1}\n  o = maximize {a: 1}.a\n  o = maximize(x)\n  o = maximize (a: 1)\n  o = maximize [1]\n  o = foo {a: 1}\n  o = foo {a: 1} * 2\n}",
        "policy p for model \"m\" {\n  require approval from \"g\"\n  require approval.x > 1\n  require approval\n  require x else \"m\"\n  on pass => tag {a: 1}, alias @prod, notify \"u\" with {a: 1}\n  on fail => notify \"u\"\n}",
        "sweep s over a.b.c {\n  lr ~ uniform(0.1, 1.0),\n  step ~ choice([1, 2]);\n  trials = 10\n  objective = maximize m.auc\n}",
        "param a: int = -1 * 2 - -3 + -(4) * 5 % 6 / 7\nparam b: bool = not a == b and c or d in e not in f and g < h <= i > j >= k != l\nparam c: float = -1.5e3\nparam d: int = -9223372036854775808\n",
        "type T = { a: list<map<string, int?>?>, b: std.x.Y?? }\ntype U = {}\nenum E { a, b, }\nenum F {}\nartifact A;\nimport \"x\" as step;\nimport \"y\";\ntarget t = slurm { a = 1, b = 2; c = k8s { } }\n",
        "pipeline p(a: int = 1, b: float,) -> (o: T,) {\n  let xs = for x in a in b { yield x }\n  for y in [1, 2,] { f(a: 1, b, c: 2,) }\n  if a { } else if b { } else { }\n  return {\"a-b\": 1, c: @alias, d: none, e: true, f: \"${x.y} ${f(1)} \\n \\q ${}\"}\n}",
        "param x: int = 1 2\n",
        "param x: duration = 1.5m\nparam y: size = 1.5KB\nparam z: int = 99999999999999999999\nparam w: float = 1e999\n",
    ];

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
