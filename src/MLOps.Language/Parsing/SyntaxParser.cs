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

    public static ParseResult Parse(SourceFile file) => Parse(file, useHandParser: true);

    /// <summary>
    /// <paramref name="useHandParser"/> false parses with ANTLR only: the reference the
    /// differential tests compare the hand-written parser with.
    /// </summary>
    internal static ParseResult Parse(SourceFile file, bool useHandParser)
    {
        var lexed = HandLexer.Lex(file.Text, 0, file.Text.Length);
        try
        {
            return Parse(file, lexed, useHandParser);
        }
        finally
        {
            HandLexer.Release(lexed);
        }
    }

    private static ParseResult Parse(SourceFile file, LexedText lexed, bool useHandParser)
    {
        var diagnostics = new DiagnosticBag();
        var comments = CollectComments(file, lexed.Comments);
        List<IToken> tokens;
        if (lexed.HasErrors)
        {
            tokens = ToAntlrTokens(file, lexed, diagnostics);
            if (NestingGuard.Check(file, tokens, diagnostics))
            {
                return new ParseResult(new CompilationUnitSyntax(file, [], comments, Whole(file)), diagnostics.ToImmutable());
            }
        }
        else
        {
            if (NestingGuard.Check(file, lexed.Tokens, diagnostics))
            {
                return new ParseResult(new CompilationUnitSyntax(file, [], comments, Whole(file)), diagnostics.ToImmutable());
            }

            if (useHandParser && HandParser.TryParseUnit(file, lexed.Tokens, comments, diagnostics) is { } fast)
            {
                return new ParseResult(fast, Dedupe(diagnostics.ToImmutable()));
            }

            tokens = ToAntlrTokens(file, lexed, diagnostics);
        }

        var tree = TwoStage(file, tokens, diagnostics, p => p.compilationUnit());
        var builder = new TreeBuilder(file, diagnostics, useHandParser);
        var root = builder.CompilationUnit(tree, comments);
        return new ParseResult(root, Dedupe(diagnostics.ToImmutable()));
    }

    /// <summary>Parses <paramref name="file"/>'s whole text as one expression (used for interpolations and tools).</summary>
    public static (ExpressionSyntax Expression, ImmutableArray<Diagnostic> Diagnostics) ParseExpression(SourceFile file, int start = 0, int end = -1)
    {
        var diagnostics = new DiagnosticBag();
        var expression = ParseExpressionCore(file, start, end < 0 ? file.Text.Length : end, diagnostics, useHandParser: true);
        return (expression, diagnostics.ToImmutable());
    }

    internal static ExpressionSyntax ParseExpressionCore(SourceFile file, int start, int end, DiagnosticBag diagnostics, bool useHandParser)
    {
        var lexed = HandLexer.Lex(file.Text, start, end);
        if (!lexed.HasErrors && useHandParser)
        {
            if (NestingGuard.Check(file, lexed.Tokens, diagnostics))
            {
                return new MissingExpressionSyntax(new SourceSpan(file, new TextSpan(start, end)));
            }

            if (HandParser.TryParseExpression(file, lexed.Tokens, diagnostics) is { } fast)
            {
                return fast;
            }
        }

        var tokens = ToAntlrTokens(file, lexed, diagnostics);
        if (NestingGuard.Check(file, tokens, diagnostics))
        {
            return new MissingExpressionSyntax(new SourceSpan(file, new TextSpan(start, end)));
        }

        var tree = TwoStage(file, tokens, diagnostics, p => p.standaloneExpression());
        return new TreeBuilder(file, diagnostics, useHandParser).Expression(tree.expression(), new SourceSpan(file, new TextSpan(start, end)));
    }

    private static SourceSpan Whole(SourceFile file) => new(file, new TextSpan(0, file.Text.Length));

    /// <summary>
    /// The tokens ANTLR's parser reads: comments in place, whitespace left out (layout comes from
    /// spans), invalid characters reported and dropped, unterminated strings reported and closed.
    /// </summary>
    private static List<IToken> ToAntlrTokens(SourceFile file, LexedText lexed, DiagnosticBag diagnostics)
    {
        var result = new List<IToken>(lexed.Tokens.Count + lexed.Comments.Count);

        // Error recovery makes up missing tokens from the current token's source, so every token needs one.
        var input = new AntlrInputStream(file.Text);
        var source = Tuple.Create<ITokenSource, ICharStream>(new MlpLexer(input), input);
        var comment = 0;
        foreach (var lexeme in lexed.Tokens)
        {
            for (; comment < lexed.Comments.Count && lexed.Comments[comment].Start < lexeme.Start; comment++)
            {
                result.Add(ToAntlrToken(file, source, lexed.Comments[comment], lexed.Comments[comment].Type, result.Count));
            }

            var token = ToAntlrToken(file, source, lexeme, lexeme.Type, result.Count);
            switch (lexeme.Type)
            {
                case MlpLexer.ERROR_CHAR:
                    diagnostics.Report(DiagnosticCatalog.InvalidCharacter, Span(file, token), token.Text);
                    continue;
                case MlpLexer.UNTERMINATED_STRING:
                    diagnostics.Report(DiagnosticCatalog.UnterminatedString, Span(file, token));
                    token.Type = MlpLexer.STRING;
                    token.Text += "\"";
                    break;
            }

            result.Add(token);
        }

        return result;
    }

    private static CommonToken ToAntlrToken(SourceFile file, Tuple<ITokenSource, ICharStream> source, Lexeme lexeme, int type, int index) =>
        new(source, type, lexeme.Channel, lexeme.Start, lexeme.Stop)
        {
            Text = type == TokenConstants.EOF ? "<EOF>" : file.Text.Substring(lexeme.Start, lexeme.Stop - lexeme.Start + 1),
            Line = lexeme.Line,
            Column = lexeme.Column,
            TokenIndex = index,
        };

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

    private static ImmutableArray<Comment> CollectComments(SourceFile file, List<Lexeme> comments)
    {
        var result = ImmutableArray.CreateBuilder<Comment>(comments.Count);
        foreach (var c in comments)
        {
            result.Add(new Comment(file.Text.Substring(c.Start, c.Stop - c.Start + 1), Span(file, c.Start, c.Stop), c.Type == MlpLexer.BLOCK_COMMENT));
        }

        return result.MoveToImmutable();
    }

    /// <summary>One syntax error per position: recovery can report the same place twice.</summary>
    private static ImmutableArray<Diagnostic> Dedupe(ImmutableArray<Diagnostic> diagnostics)
    {
        var seen = new HashSet<(string, int)>();
        return [.. diagnostics.Where(d => d.Code != DiagnosticCatalog.SyntaxError.Code || seen.Add((d.Span.File.Path, d.Span.Span.Start)))];
    }

    internal static SourceSpan Span(SourceFile file, IToken token) => Span(file, token.StartIndex, token.StopIndex);

    internal static SourceSpan Span(SourceFile file, int startIndex, int stopIndex)
    {
        if (startIndex < 0)
        {
            return new SourceSpan(file, new TextSpan(file.Text.Length, file.Text.Length));
        }

        var start = Math.Min(startIndex, file.Text.Length);
        var end = Math.Min(Math.Max(stopIndex + 1, start), file.Text.Length);
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
