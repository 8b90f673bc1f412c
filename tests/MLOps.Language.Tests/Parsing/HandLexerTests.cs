using Antlr4.Runtime;
using MLOps.Language.Parsing;
using MLOps.Language.Parsing.Generated;
using MLOps.Language.Tests.Fuzz;

namespace MLOps.Language.Tests.Parsing;

/// <summary>
/// The hand-written lexer must give the generated lexer's tokens exactly (grammar/MlpLexer.g4 is
/// the definition): type, text, start, stop, line, column and channel of every token, whitespace
/// included, over every source in the repository, fuzz mutants and tricky literals.
/// </summary>
public sealed class HandLexerTests
{
    private const int Mutants = 10_000;

    public static TheoryData<string> Tricky() =>
    [
        "1 1.5 1e5 1E+5 1e-5 1.5e3 1e 1.e5 1..2 1.5.3 1_000 1__0 1_ 1.5_ 1_5.2_5e7",
        "1ms 1s 1m 1h 1d 1mss 1msx 1.5m 1.5e3ms 10s 2h",
        "1B 1KB 1MB 1GB 1TB 1KiB 1MiB 1GiB 1TiB 1K 1Mi 1KiBx 1.5GB 1Kb 1kB",
        "\"a\" \"a\\\"b\" \"${x}\" \"${a\\}\" \"${\\\"}\" \"${a\\}\\\"x\" \"$\" \"${\" \"\\\\\"",
        "\"abc",
        "\"abc\\",
        "\"abc\\\nx\"",
        "\"a\rb\"",
        "// comment\n/* block\n comment */ x /* unterminated",
        "/**/ /*/ */ /***/ // \r\n x",
        "-> => == != <= >= < > = ~ + - * / % ? @ ( ) { } [ ] , : ; . ! # ` ' \\ é 😀 \u0000",
        "import as type enum artifact param target step pipeline sweep over policy for model let if else in register with return yield require approval from on pass fail alias tag notify maximize minimize true false none and or not",
        "imports as_ type1 _ __x Enum nonee",
        "\t\f \r\n \n\n x",
        "",
    ];

    [Theory]
    [MemberData(nameof(Tricky))]
    public void Tricky_input_lexes_like_the_grammar(string text) => AssertSame(text, 0, text.Length);

    [Fact]
    public void Every_repository_source_lexes_like_the_grammar()
    {
        foreach (var seed in MutationFuzzTests.Seeds())
        {
            AssertSame(seed, 0, seed.Length);
        }
    }

    [Fact]
    public void Fuzz_mutants_lex_like_the_grammar()
    {
        var seeds = MutationFuzzTests.Seeds();
        var random = new Random(20261201);
        for (var i = 0; i < Mutants; i++)
        {
            var mutant = MutationFuzzTests.Mutate(seeds[random.Next(seeds.Count)], random);
            AssertSame(mutant, 0, mutant.Length);
            if (mutant.Length > 2)
            {
                // Interpolations are lexed as a range of the file: positions stay file-wide.
                var start = random.Next(mutant.Length);
                var end = start + random.Next(mutant.Length - start + 1);
                AssertSame(mutant, start, end);
            }
        }
    }

    private static void AssertSame(string text, int start, int end)
    {
        var expected = Generated(text.Substring(start, end - start));
        var actual = HandLexer.LexAll(text, start, end);
        for (var i = 0; i < Math.Max(expected.Count, actual.Count); i++)
        {
            var e = i < expected.Count ? Describe(expected[i], 0) : "(none)";
            var a = i < actual.Count ? Describe(actual[i], text, start) : "(none)";
            Assert.True(e == a, $"token {i} differs in {Quote(text, start, end)}:\n  grammar: {e}\n  hand:    {a}");
        }
    }

    private static List<IToken> Generated(string text)
    {
        var lexer = new MlpLexer(new AntlrInputStream(text));
        lexer.RemoveErrorListeners();
        var errors = new ErrorCounter();
        lexer.AddErrorListener(errors);
        var tokens = new List<IToken>();
        for (var t = lexer.NextToken(); ; t = lexer.NextToken())
        {
            tokens.Add(t);
            if (t.Type == TokenConstants.EOF)
            {
                break;
            }
        }

        Assert.Equal(0, errors.Count);
        return tokens;
    }

    private static string Describe(IToken t, int offset) =>
        $"{t.Type} '{t.Text}' {t.StartIndex + offset}..{t.StopIndex + offset} {t.Line}:{t.Column} ch{t.Channel}";

    private static string Describe(Lexeme l, string text, int start)
    {
        var tokenText = l.Type == TokenConstants.EOF ? "<EOF>" : text.Substring(l.Start, l.Stop - l.Start + 1);
        return $"{l.Type} '{tokenText}' {l.Start - start}..{l.Stop - start} {l.Line}:{l.Column} ch{l.Channel}";
    }

    private static string Quote(string text, int start, int end) => $"[{start}..{end}) of \"{text.Replace("\n", "\\n")}\"";

    private sealed class ErrorCounter : IAntlrErrorListener<int>
    {
        public int Count { get; private set; }

        public void SyntaxError(TextWriter output, IRecognizer recognizer, int offendingSymbol, int line, int charPositionInLine, string msg, RecognitionException e) => Count++;
    }
}
