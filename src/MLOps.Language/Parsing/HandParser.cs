using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using MLOps.Language.Diagnostics;
using MLOps.Language.Syntax;
using MLOps.Language.Text;
using static MLOps.Language.Parsing.Generated.MlpLexer;

namespace MLOps.Language.Parsing;

/// <summary>
/// A recursive-descent parser for input without syntax errors, building the syntax tree directly
/// from the hand lexer's tokens: the same tree, spans and diagnostics that ANTLR's parser and
/// <see cref="TreeBuilder"/> give. At the first token it does not expect, or where it would have
/// to guess how ANTLR's prediction resolves an ambiguity, it gives up, and the caller parses with
/// ANTLR, which stays the reference for syntax errors and recovery. A differential test compares the two.
/// </summary>
internal sealed class HandParser
{
    private const int Eof = Antlr4.Runtime.TokenConstants.EOF;

    private readonly SourceFile file;
    private readonly string text;
    private readonly List<Lexeme> tokens;
    private readonly LiteralDecoder literals;
    private int position;

    private readonly Builders<ArgumentSyntax> listsArgument = new();
    private readonly Builders<ExpressionSyntax> listsExpression = new();
    private readonly Builders<FieldTypeSyntax> listsFieldType = new();
    private readonly Builders<NameSyntax> listsName = new();
    private readonly Builders<ParameterSyntax> listsParameter = new();
    private readonly Builders<PolicyActionSyntax> listsPolicyAction = new();
    private readonly Builders<PolicyMemberSyntax> listsPolicyMember = new();
    private readonly Builders<PropertySyntax> listsProperty = new();
    private readonly Builders<RecordFieldSyntax> listsRecordField = new();
    private readonly Builders<StatementSyntax> listsStatement = new();
    private readonly Builders<SweepMemberSyntax> listsSweepMember = new();
    private readonly Builders<TypeSyntax> listsType = new();

    private HandParser(SourceFile file, List<Lexeme> tokens, DiagnosticBag diagnostics)
    {
        this.file = file;
        text = file.Text;
        this.tokens = tokens;
        literals = new LiteralDecoder(file, diagnostics, useHandParser: true);
    }

    /// <summary>The module's tree, or null when the input needs the ANTLR parser (diagnostics are only added on success).</summary>
    public static CompilationUnitSyntax? TryParseUnit(SourceFile file, List<Lexeme> tokens, ImmutableArray<Comment> comments, DiagnosticBag diagnostics)
    {
        var local = new DiagnosticBag();
        try
        {
            var parser = new HandParser(file, tokens, local);
            var declarations = ImmutableArray.CreateBuilder<DeclarationSyntax>();
            while (parser.La != Eof)
            {
                declarations.Add(parser.Declaration());
            }

            diagnostics.AddRange(local.ToImmutable());
            return new CompilationUnitSyntax(file, declarations.ToImmutable(), comments, new SourceSpan(file, new TextSpan(0, file.Text.Length)));
        }
        catch (GiveUp)
        {
            return null;
        }
    }

    /// <summary>One whole expression (an interpolation), or null when the input needs the ANTLR parser.</summary>
    public static ExpressionSyntax? TryParseExpression(SourceFile file, List<Lexeme> tokens, DiagnosticBag diagnostics)
    {
        var local = new DiagnosticBag();
        try
        {
            var parser = new HandParser(file, tokens, local);
            var expression = parser.Expression(0);
            parser.Expect(Eof);
            diagnostics.AddRange(local.ToImmutable());
            return expression;
        }
        catch (GiveUp)
        {
            return null;
        }
    }

    private int La => tokens[position].Type;

    private Lexeme Current => tokens[position];

    private int LaAt(int k) => position + k < tokens.Count ? tokens[position + k].Type : Eof;

    private Lexeme Advance() => tokens[position++];

    private Lexeme Expect(int type) => La == type ? Advance() : throw new GiveUp();

    private bool Accept(int type)
    {
        if (La != type)
        {
            return false;
        }

        position++;
        return true;
    }

    private bool AcceptSeparator() => (La is COMMA or SEMI) && Accept(La);

    /// <summary>From <paramref name="first"/> to the last token consumed, as ANTLR's context spans go.</summary>
    private SourceSpan From(Lexeme first) => new(file, TextSpan.FromBounds(first.Start, Math.Max(first.Start, tokens[position - 1].Stop + 1)));

    private SourceSpan Of(Lexeme token) => SyntaxParser.Span(file, token.Start, token.Stop);

    private string Text(Lexeme token) => text.Substring(token.Start, token.Stop - token.Start + 1);

    /// <summary>Soft keywords are names (MlpParser.g4, rule <c>name</c>).</summary>
    private static bool IsName(int type) => type is IDENT or AS or OVER or MODEL or WITH or APPROVAL or FROM or ON or PASS or FAIL
        or ALIAS or TAG or NOTIFY or MAXIMIZE or MINIMIZE or TYPE or ARTIFACT or PARAM or TARGET
        or STEP or PIPELINE or SWEEP or POLICY or REQUIRE or YIELD;

    /// <summary>Rule <c>memberName</c>: a name that does not start a declaration block.</summary>
    private static bool IsMemberName(int type) => IsName(type) && type is not (STEP or PIPELINE or SWEEP or POLICY);

    /// <summary>Tokens that can start an expression without also continuing one before them.</summary>
    private static bool StartsOperand(int type) => IsName(type) || type is INT or FLOAT or DURATION or SIZE or STRING or TRUE or FALSE or NONE or AT or LBRACK;

    /// <summary>Tokens after which an expression can go on (operators, member access, calls).</summary>
    private static bool ContinuesExpression(int type) => type is DOT or LPAREN or STAR or SLASH or PERCENT or PLUS or MINUS
        or LT or LE or GT or GE or EQEQ or NEQ or NOT or IN or AND or OR;

    /// <summary>
    /// After a record literal that is not an expression (constructor, <c>with</c>, <c>tag</c>), an
    /// operator means either an error or a reading where the record starts an expression: ANTLR decides.
    /// </summary>
    private void GiveUpIfExpressionContinues()
    {
        if (ContinuesExpression(La))
        {
            throw new GiveUp();
        }
    }

    private NameSyntax Name()
    {
        if (!IsName(La))
        {
            throw new GiveUp();
        }

        var token = Advance();
        return new NameSyntax(NameText(token), Of(token));
    }

    /// <summary>A name's text, shared with earlier occurrences of the same name (names repeat a lot; each would be a string).</summary>
    private string NameText(Lexeme token) => literals.Names.Get(text, token.Start, token.Stop - token.Start + 1);

    private NameSyntax MemberName() => IsMemberName(La) ? Name() : throw new GiveUp();

    private DeclarationSyntax Declaration()
    {
        var first = Current;
        switch (La)
        {
            case IMPORT:
                {
                    Advance();
                    var path = StringLiteral(Expect(STRING));
                    var alias = Accept(AS) ? Name() : null;
                    Accept(SEMI);
                    return new ImportSyntax(path, alias, From(first));
                }

            case TYPE:
                {
                    Advance();
                    var name = Name();
                    Expect(ASSIGN);
                    var type = Type();
                    Accept(SEMI);
                    return new TypeDeclarationSyntax(name, type, From(first));
                }

            case ENUM:
                {
                    Advance();
                    var name = Name();
                    Expect(LBRACE);
                    var members = listsName.Rent();
                    if (La != RBRACE)
                    {
                        members.Add(Name());
                        while (Accept(COMMA) && La != RBRACE)
                        {
                            members.Add(Name());
                        }
                    }

                    Expect(RBRACE);
                    return new EnumDeclarationSyntax(name, listsName.Finish(members), From(first));
                }

            case ARTIFACT:
                {
                    Advance();
                    var name = Name();
                    Accept(SEMI);
                    return new ArtifactDeclarationSyntax(name, From(first));
                }

            case PARAM:
                {
                    Advance();
                    var name = Name();
                    Expect(COLON);
                    var type = Type();
                    var value = Accept(ASSIGN) ? Expression(0) : null;
                    Accept(SEMI);
                    return new ParamDeclarationSyntax(name, type, value, From(first));
                }

            case TARGET:
                {
                    Advance();
                    var name = Name();
                    Expect(ASSIGN);
                    var kind = Name();
                    return new TargetDeclarationSyntax(name, kind, PropertyBlock(), From(first));
                }

            case STEP:
                {
                    Advance();
                    var name = Name();
                    var inputs = Parameters();
                    var outputs = Accept(ARROW) ? Parameters() : [];
                    return new StepDeclarationSyntax(name, inputs, outputs, PropertyBlock(), From(first));
                }

            case PIPELINE:
                {
                    Advance();
                    var name = Name();
                    var parameters = Parameters();
                    var outputs = Accept(ARROW) ? Parameters() : [];
                    return new PipelineDeclarationSyntax(name, parameters, outputs, Block(), From(first));
                }

            case SWEEP:
                return Sweep();
            case POLICY:
                return Policy();
            default:
                throw new GiveUp();
        }
    }

    private ImmutableArray<NameSyntax> QualifiedName()
    {
        var names = listsName.Rent();
        names.Add(Name());
        while (Accept(DOT))
        {
            names.Add(Name());
        }

        return listsName.Finish(names);
    }

    private TypeSyntax Type()
    {
        var first = Current;
        TypeSyntax type;
        if (Accept(LBRACE))
        {
            var fields = listsFieldType.Rent();
            if (La != RBRACE)
            {
                fields.Add(FieldType());
                while (Accept(COMMA) && La != RBRACE)
                {
                    fields.Add(FieldType());
                }
            }

            Expect(RBRACE);
            type = new RecordTypeSyntax(listsFieldType.Finish(fields), From(first));
        }
        else
        {
            var names = QualifiedName();
            var arguments = ImmutableArray<TypeSyntax>.Empty;
            if (Accept(LT))
            {
                var builder = listsType.Rent();
                builder.Add(Type());
                while (Accept(COMMA))
                {
                    builder.Add(Type());
                }

                Expect(GT);
                arguments = listsType.Finish(builder);
            }

            type = new NamedTypeSyntax(names, arguments, From(first));
        }

        while (Accept(QUESTION))
        {
            type = new OptionalTypeSyntax(type, From(first));
        }

        return type;
    }

    private FieldTypeSyntax FieldType()
    {
        var first = Current;
        var name = Name();
        Expect(COLON);
        var type = Type();
        return new FieldTypeSyntax(name, type, From(first));
    }

    private ImmutableArray<ParameterSyntax> Parameters()
    {
        Expect(LPAREN);
        var parameters = listsParameter.Rent();
        if (La != RPAREN)
        {
            parameters.Add(Parameter());
            while (Accept(COMMA) && La != RPAREN)
            {
                parameters.Add(Parameter());
            }
        }

        Expect(RPAREN);
        return listsParameter.Finish(parameters);
    }

    private ParameterSyntax Parameter()
    {
        var first = Current;
        var name = MemberName();
        Expect(COLON);
        var type = Type();
        var value = Accept(ASSIGN) ? Expression(0) : null;
        return new ParameterSyntax(name, type, value, From(first));
    }

    private PropertyBlockSyntax PropertyBlock()
    {
        var first = Expect(LBRACE);
        var properties = listsProperty.Rent();
        while (La != RBRACE)
        {
            properties.Add(Property());
            AcceptSeparator();
        }

        Advance();
        return new PropertyBlockSyntax(listsProperty.Finish(properties), From(first));
    }

    private PropertySyntax Property()
    {
        var first = Current;
        var name = MemberName();
        Expect(ASSIGN);
        var valueFirst = Current;
        ExpressionSyntax value;
        if (La is MAXIMIZE or MINIMIZE)
        {
            value = Objective(valueFirst);
        }
        else if (IsName(La) && LaAt(1) == LBRACE)
        {
            var kind = Name();
            var options = RecordLiteral();
            GiveUpIfExpressionContinues();
            value = new ConstructorSyntax(kind, options, From(valueFirst));
        }
        else
        {
            value = Expression(0);
        }

        return new PropertySyntax(name, value, From(first));
    }

    /// <summary>
    /// <c>maximize x</c>. The direction words are names too, so <c>maximize</c> alone, <c>maximize(…)</c>
    /// or <c>maximize {…}</c> can be read more ways than one: those are left to ANTLR's prediction.
    /// </summary>
    private ExpressionSyntax Objective(Lexeme first)
    {
        var next = LaAt(1);
        var clear = next == MINUS
            || (next == NOT && LaAt(2) != IN)
            || (StartsOperand(next) && !(IsName(next) && LaAt(2) == ASSIGN));
        if (!clear)
        {
            throw new GiveUp();
        }

        var direction = Advance().Type == MINIMIZE ? ObjectiveDirection.Minimize : ObjectiveDirection.Maximize;
        var target = Expression(0);
        return new ObjectiveSyntax(direction, target, From(first));
    }

    private BlockSyntax Block()
    {
        var first = Expect(LBRACE);
        var statements = listsStatement.Rent();
        while (La != RBRACE)
        {
            statements.Add(Statement());
        }

        Advance();
        return new BlockSyntax(listsStatement.Finish(statements), From(first));
    }

    private StatementSyntax Statement()
    {
        var first = Current;
        switch (La)
        {
            case LET:
                {
                    Advance();
                    var name = Name();
                    Expect(ASSIGN);
                    ExpressionSyntax value = La == FOR ? For() : Expression(0);
                    Accept(SEMI);
                    return new LetStatementSyntax(name, value, From(first));
                }

            case IF:
                return If();
            case FOR:
                {
                    var loop = For();
                    Accept(SEMI);
                    return new ForStatementSyntax(loop, From(first));
                }

            case REGISTER:
                {
                    Advance();
                    var artifact = Expression(0);
                    Expect(AS);
                    var modelName = Expression(0);
                    RecordLiteralSyntax? with = null;
                    if (Accept(WITH))
                    {
                        with = RecordLiteral();
                        GiveUpIfExpressionContinues();
                    }

                    Accept(SEMI);
                    return new RegisterStatementSyntax(artifact, modelName, with, From(first));
                }

            case RETURN:
                {
                    Advance();
                    var value = Expression(0);
                    Accept(SEMI);
                    return new ReturnStatementSyntax(value, From(first));
                }

            case YIELD:
                {
                    // 'yield' is also a name: 'yield (…)', 'yield {…}' or a lone 'yield' could be calls or expression statements.
                    var next = LaAt(1);
                    if (!(StartsOperand(next) || next == MINUS || (next == NOT && LaAt(2) != IN)))
                    {
                        throw new GiveUp();
                    }

                    Advance();
                    var value = Expression(0);
                    Accept(SEMI);
                    return new YieldStatementSyntax(value, From(first));
                }

            default:
                {
                    var expression = Expression(0);
                    Accept(SEMI);
                    return new ExpressionStatementSyntax(expression, From(first));
                }
        }
    }

    private IfStatementSyntax If()
    {
        var first = Expect(IF);
        var condition = Expression(0);
        var then = Block();
        StatementSyntax? otherwise = null;
        if (Accept(ELSE))
        {
            if (La == LBRACE)
            {
                var block = Block();
                otherwise = new ElseBlockSyntax(block, block.Span);
            }
            else if (La == IF)
            {
                otherwise = If();
            }
            else
            {
                throw new GiveUp();
            }
        }

        return new IfStatementSyntax(condition, then, otherwise, From(first));
    }

    private ForExpressionSyntax For()
    {
        var first = Expect(FOR);
        var variable = Name();
        Expect(IN);
        var items = Expression(0);
        var body = Block();
        return new ForExpressionSyntax(variable, items, body, From(first));
    }

    private SweepDeclarationSyntax Sweep()
    {
        var first = Expect(SWEEP);
        var name = Name();
        Expect(OVER);
        var pipeline = QualifiedName();
        Expect(LBRACE);
        var members = listsSweepMember.Rent();
        while (La != RBRACE)
        {
            var memberFirst = Current;
            if (IsName(La) && LaAt(1) == TILDE)
            {
                var parameter = Name();
                Advance();
                var distribution = Expression(0);
                AcceptSeparator();
                members.Add(new DimensionSyntax(parameter, distribution, From(memberFirst)));
            }
            else if (IsMemberName(La) && LaAt(1) == ASSIGN)
            {
                var property = Property();
                AcceptSeparator();
                members.Add(new SweepSettingSyntax(property, From(memberFirst)));
            }
            else
            {
                throw new GiveUp();
            }
        }

        Advance();
        return new SweepDeclarationSyntax(name, pipeline, listsSweepMember.Finish(members), From(first));
    }

    private PolicyDeclarationSyntax Policy()
    {
        var first = Expect(POLICY);
        var name = Name();
        Expect(FOR);
        Expect(MODEL);
        var model = StringLiteral(Expect(STRING));
        Expect(LBRACE);
        var members = listsPolicyMember.Rent();
        while (La != RBRACE)
        {
            members.Add(PolicyMember());
        }

        Advance();
        return new PolicyDeclarationSyntax(name, model, listsPolicyMember.Finish(members), From(first));
    }

    private PolicyMemberSyntax PolicyMember()
    {
        var first = Current;
        if (La == REQUIRE && LaAt(1) == APPROVAL && LaAt(2) == FROM)
        {
            position += 3;
            var group = StringLiteral(Expect(STRING));
            Accept(SEMI);
            return new ApprovalRuleSyntax(group, From(first));
        }

        if (Accept(REQUIRE))
        {
            var condition = Expression(0);
            var message = Accept(ELSE) ? StringLiteral(Expect(STRING)) : null;
            Accept(SEMI);
            return new RequireRuleSyntax(condition, message, From(first));
        }

        Expect(ON);
        var outcome = La switch
        {
            PASS => PolicyOutcome.Pass,
            FAIL => PolicyOutcome.Fail,
            _ => throw new GiveUp(),
        };
        Advance();
        Expect(FAT_ARROW);
        var actions = listsPolicyAction.Rent();
        actions.Add(Action());
        while (Accept(COMMA))
        {
            actions.Add(Action());
        }

        Accept(SEMI);
        return new OnOutcomeSyntax(outcome, listsPolicyAction.Finish(actions), From(first));
    }

    private PolicyActionSyntax Action()
    {
        var first = Current;
        switch (La)
        {
            case ALIAS:
                Advance();
                var alias = AliasRef();
                return new AliasActionSyntax(alias, From(first));
            case TAG:
                Advance();
                var tags = RecordLiteral();
                GiveUpIfExpressionContinues();
                return new TagActionSyntax(tags, From(first));
            case NOTIFY:
                Advance();
                var url = Expression(0);
                RecordLiteralSyntax? with = null;
                if (Accept(WITH))
                {
                    with = RecordLiteral();
                    GiveUpIfExpressionContinues();
                }

                return new NotifyActionSyntax(url, with, From(first));
            default:
                throw new GiveUp();
        }
    }

    private AliasReferenceSyntax AliasRef()
    {
        var first = Expect(AT);
        var name = Name();
        return new AliasReferenceSyntax(name, From(first));
    }

    private RecordLiteralSyntax RecordLiteral()
    {
        var first = Expect(LBRACE);
        var fields = listsRecordField.Rent();
        if (La != RBRACE)
        {
            fields.Add(RecordField());
            while (Accept(COMMA) && La != RBRACE)
            {
                fields.Add(RecordField());
            }
        }

        Expect(RBRACE);
        return new RecordLiteralSyntax(listsRecordField.Finish(fields), From(first));
    }

    private RecordFieldSyntax RecordField()
    {
        var first = Current;
        NameSyntax name;
        var quoted = La == STRING;
        if (quoted)
        {
            var literal = StringLiteral(Advance());
            name = new NameSyntax(literal.ConstantValue, literal.Span);
        }
        else
        {
            name = Name();
        }

        Expect(COLON);
        var value = Expression(0);
        return new RecordFieldSyntax(name, quoted, value, From(first));
    }

    private StringLiteralSyntax StringLiteral(Lexeme token) => literals.String(Text(token), token.Start, Of(token));

    /// <summary>
    /// Precedence climbing with ANTLR's levels for the left-recursive rule <c>expression</c>
    /// (member 11, call 10, prefix 9, * / % 8, + - 7, comparisons 6, == != 5, in 4, and 3, or 2):
    /// an operator of level p continues while p is at least <paramref name="min"/>, its right side parsed at p + 1.
    /// </summary>
    private ExpressionSyntax Expression(int min)
    {
        var first = Current;
        var left = La is MINUS or NOT ? Prefix(first) : Primary();
        while (true)
        {
            var type = La;
            var level = Level(type);
            if (level < min || level == 0)
            {
                return left;
            }

            switch (type)
            {
                case DOT:
                    Advance();
                    var member = Name();
                    left = new MemberAccessSyntax(left, member, From(first));
                    continue;
                case LPAREN:
                    left = Call(left, first);
                    continue;
                case NOT:
                    if (LaAt(1) != IN)
                    {
                        return left;
                    }

                    position += 2;
                    var excluded = Expression(5);
                    left = new BinarySyntax(left, BinaryOperator.NotIn, excluded, From(first));
                    continue;
            }

            Advance();
            var right = Expression(level + 1);
            left = new BinarySyntax(left, Operator(type), right, From(first));
        }
    }

    private static int Level(int type) => type switch
    {
        DOT => 11,
        LPAREN => 10,
        STAR or SLASH or PERCENT => 8,
        PLUS or MINUS => 7,
        LT or LE or GT or GE => 6,
        EQEQ or NEQ => 5,
        IN or NOT => 4,
        AND => 3,
        OR => 2,
        _ => 0,
    };

    private static BinaryOperator Operator(int type) => type switch
    {
        STAR => BinaryOperator.Multiply,
        SLASH => BinaryOperator.Divide,
        PERCENT => BinaryOperator.Modulo,
        PLUS => BinaryOperator.Add,
        MINUS => BinaryOperator.Subtract,
        LT => BinaryOperator.Less,
        LE => BinaryOperator.LessOrEqual,
        GT => BinaryOperator.Greater,
        GE => BinaryOperator.GreaterOrEqual,
        EQEQ => BinaryOperator.Equal,
        NEQ => BinaryOperator.NotEqual,
        IN => BinaryOperator.In,
        AND => BinaryOperator.And,
        _ => BinaryOperator.Or,
    };

    private ExpressionSyntax Prefix(Lexeme first)
    {
        var op = Advance().Type;
        var operand = Expression(9);
        var span = From(first);
        if (op == MINUS && operand is LiteralSyntax { Kind: LiteralKind.Int or LiteralKind.Float } literal)
        {
            // As TreeBuilder: -3 is one literal, so the lowest int64 stays representable.
            return literal with { Value = literal.Value is long l ? -l : -(double)literal.Value!, Text = "-" + literal.Text, Span = span };
        }

        return new UnarySyntax(op == NOT ? UnaryOperator.Not : UnaryOperator.Negate, operand, span);
    }

    private CallSyntax Call(ExpressionSyntax callee, Lexeme first)
    {
        Advance();
        var arguments = listsArgument.Rent();
        if (La != RPAREN)
        {
            arguments.Add(Argument());
            while (Accept(COMMA) && La != RPAREN)
            {
                arguments.Add(Argument());
            }
        }

        Expect(RPAREN);
        return new CallSyntax(callee, listsArgument.Finish(arguments), From(first));
    }

    private ArgumentSyntax Argument()
    {
        var first = Current;
        NameSyntax? name = null;
        if (IsName(La) && LaAt(1) == COLON)
        {
            name = Name();
            Advance();
        }

        var value = Expression(0);
        return new ArgumentSyntax(name, value, From(first));
    }

    private ExpressionSyntax Primary()
    {
        var token = Current;
        switch (token.Type)
        {
            case INT:
                Advance();
                return literals.Number(NameText(token), Of(token), LiteralKind.Int);
            case FLOAT:
                Advance();
                return literals.Number(NameText(token), Of(token), LiteralKind.Float);
            case DURATION:
                Advance();
                return literals.Unit(NameText(token), Of(token), LiteralKind.Duration);
            case SIZE:
                Advance();
                return literals.Unit(NameText(token), Of(token), LiteralKind.Size);
            case STRING:
                Advance();
                return StringLiteral(token);
            case TRUE or FALSE:
                Advance();
                return token.Type == TRUE ? new LiteralSyntax(LiteralKind.Bool, LiteralDecoder.True, "true", Of(token)) : new LiteralSyntax(LiteralKind.Bool, LiteralDecoder.False, "false", Of(token));
            case NONE:
                Advance();
                return new LiteralSyntax(LiteralKind.None, null, "none", Of(token));
            case AT:
                return AliasRef();
            case LPAREN:
                {
                    Advance();
                    var inner = Expression(0);
                    Expect(RPAREN);
                    return new ParenthesizedSyntax(inner, From(token));
                }

            case LBRACK:
                {
                    Advance();
                    var items = listsExpression.Rent();
                    if (La != RBRACK)
                    {
                        items.Add(Expression(0));
                        while (Accept(COMMA) && La != RBRACK)
                        {
                            items.Add(Expression(0));
                        }
                    }

                    Expect(RBRACK);
                    return new ListLiteralSyntax(listsExpression.Finish(items), From(token));
                }

            case LBRACE:
                return RecordLiteral();
            default:
                var name = Name();
                return new NameExpressionSyntax(name, name.Span);
        }
    }

    /// <summary>List builders for reuse: each list would otherwise cost a builder and its buffer besides the list.</summary>
    private sealed class Builders<T>
    {
        private readonly Stack<ImmutableArray<T>.Builder> free = new();

        public ImmutableArray<T>.Builder Rent() => free.Count > 0 ? free.Pop() : ImmutableArray.CreateBuilder<T>();

        public ImmutableArray<T> Finish(ImmutableArray<T>.Builder builder)
        {
            var result = builder.ToImmutable();
            builder.Clear();
            free.Push(builder);
            return result;
        }
    }

    /// <summary>Thrown to leave the fast path; never escapes this class.</summary>
    private sealed class GiveUp : Exception
    {
    }
}
