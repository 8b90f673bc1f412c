using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using Antlr4.Runtime;
using Antlr4.Runtime.Atn;
using MLOps.Language.Diagnostics;
using MLOps.Language.Parsing.Generated;
using MLOps.Language.Syntax;
using MLOps.Language.Text;

namespace MLOps.Language.Parsing;

public sealed record ParseResult(CompilationUnitSyntax Root, ImmutableArray<Diagnostic> Diagnostics);

/// <summary>
/// Text to syntax tree. Reports every syntax error of a file in one run and never throws:
/// the ANTLR parse tree is turned into our immutable tree here and goes no further.
/// </summary>
public static class SyntaxParser
{
    /// <summary>Deeper nesting than this is reported (MLP1003) instead of parsed, so no input can exhaust the stack.</summary>
    public const int MaxNesting = 200;

    public static ParseResult Parse(SourceFile file)
    {
        var diagnostics = new DiagnosticBag();
        var tokens = Lex(file, diagnostics);
        if (NestingGuard.Check(file, tokens, diagnostics))
        {
            return new ParseResult(new CompilationUnitSyntax(file, [], CollectComments(file, tokens), Whole(file)), diagnostics.ToImmutable());
        }

        var tree = TwoStage(file, tokens, diagnostics, p => p.compilationUnit());
        var builder = new TreeBuilder(file, diagnostics);
        var root = builder.CompilationUnit(tree, CollectComments(file, tokens));
        return new ParseResult(root, Dedupe(diagnostics.ToImmutable()));
    }

    /// <summary>Parses <paramref name="file"/>'s whole text as one expression (used for interpolations and tools).</summary>
    public static (ExpressionSyntax Expression, ImmutableArray<Diagnostic> Diagnostics) ParseExpression(SourceFile file, int start = 0, int end = -1)
    {
        var diagnostics = new DiagnosticBag();
        var expression = ParseExpressionCore(file, start, end < 0 ? file.Text.Length : end, diagnostics);
        return (expression, diagnostics.ToImmutable());
    }

    internal static ExpressionSyntax ParseExpressionCore(SourceFile file, int start, int end, DiagnosticBag diagnostics)
    {
        var tokens = Lex(file, diagnostics, start, end);
        if (NestingGuard.Check(file, tokens, diagnostics))
        {
            return new MissingExpressionSyntax(new SourceSpan(file, new TextSpan(start, end)));
        }

        var tree = TwoStage(file, tokens, diagnostics, p => p.standaloneExpression());
        return new TreeBuilder(file, diagnostics).Expression(tree.expression(), new SourceSpan(file, new TextSpan(start, end)));
    }

    private static SourceSpan Whole(SourceFile file) => new(file, new TextSpan(0, file.Text.Length));

    private static List<IToken> Lex(SourceFile file, DiagnosticBag diagnostics, int start = 0, int end = -1)
    {
        end = end < 0 ? file.Text.Length : end;
        var text = file.Text.Substring(start, end - start);
        var lexer = new MlpLexer(new AntlrInputStream(text));
        lexer.RemoveErrorListeners();
        var result = new List<IToken>();
        for (var token = lexer.NextToken(); ; token = lexer.NextToken())
        {
            if (token.Type == MlpLexer.WS)
            {
                continue; // the parser never looks at whitespace; layout comes from spans
            }

            if (start == 0 && token.Type is not (MlpLexer.ERROR_CHAR or MlpLexer.UNTERMINATED_STRING))
            {
                result.Add(token);
                if (token.Type == TokenConstants.EOF)
                {
                    break;
                }

                continue;
            }

            var t = new CommonToken(token)
            {
                Text = token.Type == TokenConstants.EOF ? "<EOF>" : token.Text,
                StartIndex = token.Type == TokenConstants.EOF ? end : token.StartIndex + start,
                StopIndex = token.Type == TokenConstants.EOF ? end - 1 : token.StopIndex + start,
                TokenIndex = result.Count,
            };
            switch (token.Type)
            {
                case MlpLexer.ERROR_CHAR:
                    diagnostics.Report(DiagnosticCatalog.InvalidCharacter, Span(file, t), token.Text);
                    continue;
                case MlpLexer.UNTERMINATED_STRING:
                    diagnostics.Report(DiagnosticCatalog.UnterminatedString, Span(file, t));
                    t.Type = MlpLexer.STRING;
                    t.Text = token.Text + "\"";
                    break;
            }

            result.Add(t);
            if (token.Type == TokenConstants.EOF)
            {
                break;
            }
        }

        return result;
    }

    /// <summary>Fast SLL prediction first; only input it cannot decide (or that has errors) is parsed again with full LL and recovery.</summary>
    private static T TwoStage<T>(SourceFile file, List<IToken> tokens, DiagnosticBag diagnostics, Func<MlpParser, T> rule)
    {
        var fast = new MlpParser(new CommonTokenStream(new ListTokenSource(tokens))) { ErrorHandler = new BailErrorStrategy() };
        fast.RemoveErrorListeners();
        fast.Interpreter.PredictionMode = PredictionMode.SLL;
        try
        {
            return rule(fast);
        }
        catch (Antlr4.Runtime.Misc.ParseCanceledException)
        {
            return rule(CreateParser(file, tokens, diagnostics));
        }
    }

    private static MlpParser CreateParser(SourceFile file, List<IToken> tokens, DiagnosticBag diagnostics)
    {
        var stream = new CommonTokenStream(new ListTokenSource(tokens));
        var parser = new MlpParser(stream) { ErrorHandler = new RecoveringErrorStrategy() };
        parser.RemoveErrorListeners();
        parser.AddErrorListener(new SyntaxErrorListener(file, diagnostics));
        return parser;
    }

    private static ImmutableArray<Comment> CollectComments(SourceFile file, List<IToken> tokens) =>
    [
        .. tokens
            .Where(t => t.Type is MlpLexer.LINE_COMMENT or MlpLexer.BLOCK_COMMENT)
            .Select(t => new Comment(t.Text, Span(file, t), t.Type == MlpLexer.BLOCK_COMMENT)),
    ];

    /// <summary>One syntax error per position: recovery can report the same place twice.</summary>
    private static ImmutableArray<Diagnostic> Dedupe(ImmutableArray<Diagnostic> diagnostics)
    {
        var seen = new HashSet<(string, int)>();
        return [.. diagnostics.Where(d => d.Code != DiagnosticCatalog.SyntaxError.Code || seen.Add((d.Span.File.Path, d.Span.Span.Start)))];
    }

    internal static SourceSpan Span(SourceFile file, IToken token)
    {
        if (token.StartIndex < 0)
        {
            return new SourceSpan(file, new TextSpan(file.Text.Length, file.Text.Length));
        }

        var start = Math.Min(token.StartIndex, file.Text.Length);
        var end = Math.Min(Math.Max(token.StopIndex + 1, start), file.Text.Length);
        return new SourceSpan(file, new TextSpan(start, end));
    }

    private sealed class SyntaxErrorListener(SourceFile file, DiagnosticBag diagnostics) : IAntlrErrorListener<IToken>
    {
        public void SyntaxError(System.IO.TextWriter output, IRecognizer recognizer, IToken offendingSymbol, int line, int charPositionInLine, string msg, RecognitionException e)
        {
            var parser = (Parser)recognizer;
            var expected = e?.GetExpectedTokens() ?? parser.GetExpectedTokens();
            var found = offendingSymbol.Type == TokenConstants.EOF ? "the end of the file" : $"'{offendingSymbol.Text}'";
            var names = TokenNames.Describe(expected);
            var message = names.Length == 0 ? $"Unexpected {found}." : $"Unexpected {found}; expected {names}.";
            diagnostics.Report(DiagnosticCatalog.SyntaxError, Span(file, offendingSymbol), message);
        }
    }

    /// <summary>ANTLR's recovery, but it gives up on a declaration at the next declaration keyword instead of eating it.</summary>
    private sealed class RecoveringErrorStrategy : DefaultErrorStrategy
    {
        private static readonly int[] DeclarationStarts =
        [
            MlpLexer.IMPORT, MlpLexer.TYPE, MlpLexer.ENUM, MlpLexer.ARTIFACT, MlpLexer.PARAM, MlpLexer.TARGET,
            MlpLexer.STEP, MlpLexer.PIPELINE, MlpLexer.SWEEP, MlpLexer.POLICY,
        ];

        /// <summary>Never delete a token that starts a declaration: it is where the next declaration begins.</summary>
        protected override IToken? SingleTokenDeletion(Parser recognizer)
        {
            var next = ((ITokenStream)recognizer.InputStream).LA(1);
            return System.Array.IndexOf(DeclarationStarts, next) >= 0 ? null : base.SingleTokenDeletion(recognizer);
        }

        protected override Antlr4.Runtime.Misc.IntervalSet GetErrorRecoverySet(Parser recognizer)
        {
            var set = base.GetErrorRecoverySet(recognizer);
            var copy = new Antlr4.Runtime.Misc.IntervalSet(set);
            foreach (var t in DeclarationStarts)
            {
                copy.Add(t);
            }

            copy.Add(MlpLexer.RBRACE);
            return copy;
        }
    }
}
