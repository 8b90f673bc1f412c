using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using MLOps.Language.Syntax;

namespace MLOps.Language.Formatting;

/// <summary>
/// The canonical layout of a module: two-space indents, aligned '=' in property blocks, one
/// blank line between multi-line declarations (single blank lines the author left are kept),
/// every comment kept on its line. Idempotent; callers format only files without syntax errors.
/// </summary>
public static class Formatter
{
    public static string Format(CompilationUnitSyntax root) => new Printer(root).Print();

    private sealed class Printer(CompilationUnitSyntax root)
    {
        private readonly StringBuilder sb = new();
        private readonly Queue<Comment> comments = new(root.Comments.OrderBy(c => c.Span.Span.Start));
        private int indent;

        public string Print()
        {
            SyntaxNode? previous = null;
            foreach (var decl in root.Declarations)
            {
                if (previous is not null && (BlankBetween(previous, decl) || IsMultiLine(previous) || IsMultiLine(decl)))
                {
                    sb.Append('\n');
                }

                Leading(decl);
                Declaration(decl);
                previous = decl;
            }

            // Comments after the last declaration.
            if (comments.Count > 0 && sb.Length > 0 && previous is not null && BlankBeforeOffset(previous.Span.Span.End, comments.Peek().Span.Span.Start))
            {
                sb.Append('\n');
            }

            while (comments.Count > 0)
            {
                Line(comments.Dequeue().Text);
            }

            var text = sb.ToString();
            return text.Length == 0 ? "" : text.TrimEnd('\n') + "\n";
        }

        private static bool IsMultiLine(SyntaxNode node) =>
            node is StepDeclarationSyntax or PipelineDeclarationSyntax or SweepDeclarationSyntax or PolicyDeclarationSyntax or TargetDeclarationSyntax or EnumDeclarationSyntax
            || (node is TypeDeclarationSyntax t && t.Span.Start.Line != t.Span.End.Line);

        private bool BlankBetween(SyntaxNode a, SyntaxNode b) => BlankBeforeOffset(a.Span.Span.End, LeadingStart(b));

        private int LeadingStart(SyntaxNode node) =>
            comments.Count > 0 && comments.Peek().Span.Span.Start < node.Span.Span.Start ? comments.Peek().Span.Span.Start : node.Span.Span.Start;

        private bool BlankBeforeOffset(int from, int to)
        {
            var newlines = 0;
            var text = root.File.Text;
            for (var i = Math.Max(0, from); i < Math.Min(to, text.Length); i++)
            {
                if (text[i] == '\n')
                {
                    newlines++;
                }
                else if (!char.IsWhiteSpace(text[i]))
                {
                    newlines = 0;
                }
            }

            return newlines >= 2;
        }

        /// <summary>Comments before <paramref name="node"/> go on their own lines above it.</summary>
        private void Leading(SyntaxNode node)
        {
            Comment? previous = null;
            while (comments.Count > 0 && comments.Peek().Span.Span.Start < node.Span.Span.Start)
            {
                var comment = comments.Dequeue();
                if (previous is not null && BlankBeforeOffset(previous.Span.Span.End, comment.Span.Span.Start))
                {
                    BlankLine();
                }

                Line(comment.Text);
                previous = comment;
            }

            if (previous is not null && BlankBeforeOffset(previous.Span.Span.End, node.Span.Span.Start))
            {
                BlankLine();
            }
        }

        private void BlankLine()
        {
            if (sb.Length > 0 && !(sb.Length >= 2 && sb[sb.Length - 1] == '\n' && sb[sb.Length - 2] == '\n'))
            {
                sb.Append('\n');
            }
        }

        /// <summary>A comment after <paramref name="node"/> on the line it ends on stays at that line's end.</summary>
        private void Trailing(SyntaxNode node)
        {
            var endLine = node.Span.End.Line;
            while (comments.Count > 0 && comments.Peek().Span.Start.Line == endLine && comments.Peek().Span.Span.Start >= node.Span.Span.End)
            {
                TrimLineEnd();
                sb.Append(' ').Append(comments.Dequeue().Text).Append('\n');
            }
        }

        /// <summary>A comment on the line that opens a block stays on that line.</summary>
        private void HeaderTrailing(SyntaxNode owner)
        {
            var line = owner.Span.Start.Line;
            while (comments.Count > 0 && comments.Peek().Span.Start.Line == line && comments.Peek().Span.Span.Start >= owner.Span.Span.Start)
            {
                TrimLineEnd();
                sb.Append(' ').Append(comments.Dequeue().Text).Append('\n');
            }
        }

        private void TrimLineEnd()
        {
            if (sb.Length > 0 && sb[sb.Length - 1] == '\n')
            {
                sb.Length--;
            }
        }

        private void Line(string text)
        {
            sb.Append(' ', indent * 2).Append(text).Append('\n');
        }

        private void Declaration(DeclarationSyntax decl)
        {
            switch (decl)
            {
                case ImportSyntax i:
                    Line("import " + i.Path.RawText + (i.Alias is null ? "" : " as " + i.Alias.Text));
                    break;
                case TypeDeclarationSyntax t:
                    Line("type " + t.Name.Text + " = " + Type(t.Type));
                    break;
                case EnumDeclarationSyntax e:
                    Line("enum " + e.Name.Text + " { " + string.Join(", ", e.Members.Select(m => m.Text)) + " }");
                    break;
                case ArtifactDeclarationSyntax a:
                    Line("artifact " + a.Name.Text);
                    break;
                case ParamDeclarationSyntax p:
                    Line("param " + p.Name.Text + ": " + Type(p.Type) + (p.Default is null ? "" : " = " + Expr(p.Default)));
                    break;
                case TargetDeclarationSyntax t:
                    Line("target " + t.Name.Text + " = " + t.Kind.Text + " {");
                    HeaderTrailing(t);
                    Properties(t.Properties.Properties);
                    Close(t);
                    return;
                case StepDeclarationSyntax s:
                    Line("step " + s.Name.Text + Parameters(s.Inputs) + (s.Outputs.IsEmpty ? "" : " -> " + Parameters(s.Outputs)) + " {");
                    HeaderTrailing(s);
                    Properties(s.Properties.Properties);
                    Close(s);
                    return;
                case PipelineDeclarationSyntax p:
                    Line("pipeline " + p.Name.Text + Parameters(p.Parameters) + (p.Outputs.IsEmpty ? "" : " -> " + Parameters(p.Outputs)) + " {");
                    HeaderTrailing(p);
                    Block(p.Body);
                    Close(p);
                    return;
                case SweepDeclarationSyntax s:
                    Line("sweep " + s.Name.Text + " over " + string.Join(".", s.Pipeline.Select(n => n.Text)) + " {");
                    HeaderTrailing(s);
                    SweepMembers(s.Members);
                    Close(s);
                    return;
                case PolicyDeclarationSyntax p:
                    Line("policy " + p.Name.Text + " for model " + p.Model.RawText + " {");
                    HeaderTrailing(p);
                    indent++;
                    foreach (var m in p.Members)
                    {
                        Leading(m);
                        Line(PolicyMember(m));
                        Trailing(m);
                    }

                    indent--;
                    Close(p);
                    return;
            }

            Trailing(decl);
        }

        /// <summary>Closes a block: comments left inside it stay inside, then the brace.</summary>
        private void Close(SyntaxNode node)
        {
            indent++;
            while (comments.Count > 0 && comments.Peek().Span.Span.Start < node.Span.Span.End)
            {
                Line(comments.Dequeue().Text);
            }

            indent--;
            Line("}");
            Trailing(node);
        }

        private void Properties(ImmutableArray<PropertySyntax> properties)
        {
            indent++;
            var width = properties.Select(p => p.Name.Text.Length).DefaultIfEmpty(0).Max();
            foreach (var p in properties)
            {
                Leading(p);
                Line(p.Name.Text.PadRight(width) + " = " + Expr(p.Value));
                Trailing(p);
            }

            indent--;
        }

        private void SweepMembers(ImmutableArray<SweepMemberSyntax> members)
        {
            indent++;
            var dimensionWidth = members.OfType<DimensionSyntax>().Select(d => d.Parameter.Text.Length).DefaultIfEmpty(0).Max();
            var settingWidth = members.OfType<SweepSettingSyntax>().Select(s => s.Property.Name.Text.Length).DefaultIfEmpty(0).Max();
            foreach (var m in members)
            {
                Leading(m);
                Line(m switch
                {
                    DimensionSyntax d => d.Parameter.Text.PadRight(dimensionWidth) + " ~ " + Expr(d.Distribution),
                    SweepSettingSyntax s => s.Property.Name.Text.PadRight(settingWidth) + " = " + Expr(s.Property.Value),
                    _ => "",
                });
                Trailing(m);
            }

            indent--;
        }

        private string PolicyMember(PolicyMemberSyntax m) => m switch
        {
            RequireRuleSyntax r => "require " + Expr(r.Condition) + (r.Message is null ? "" : " else " + r.Message.RawText),
            ApprovalRuleSyntax a => "require approval from " + a.Group.RawText,
            OnOutcomeSyntax o => "on " + (o.Outcome == PolicyOutcome.Pass ? "pass" : "fail") + " => " + string.Join(", ", o.Actions.Select(Action)),
            _ => "",
        };

        private string Action(PolicyActionSyntax a) => a switch
        {
            AliasActionSyntax al => "alias @" + al.Alias.Name.Text,
            TagActionSyntax t => "tag " + Expr(t.Tags),
            NotifyActionSyntax n => "notify " + Expr(n.Url) + (n.With is null ? "" : " with " + Expr(n.With)),
            _ => "",
        };

        private void Block(BlockSyntax block)
        {
            indent++;
            StatementSyntax? previous = null;
            foreach (var s in block.Statements)
            {
                if (previous is not null && BlankBetween(previous, s))
                {
                    sb.Append('\n');
                }

                Leading(s);
                Statement(s);
                previous = s;
            }

            indent--;
        }

        private void Statement(StatementSyntax s)
        {
            switch (s)
            {
                case LetStatementSyntax { Value: ForExpressionSyntax f } l:
                    Line("let " + l.Name.Text + " = for " + f.Variable.Text + " in " + Expr(f.Items) + " {");
                    HeaderTrailing(l);
                    Block(f.Body);
                    Close(l);
                    return;
                case LetStatementSyntax l:
                    Line("let " + l.Name.Text + " = " + Expr(l.Value));
                    break;
                case IfStatementSyntax i:
                    If(i, "if ");
                    return;
                case ForStatementSyntax f:
                    Line("for " + f.For.Variable.Text + " in " + Expr(f.For.Items) + " {");
                    HeaderTrailing(f);
                    Block(f.For.Body);
                    Close(f);
                    return;
                case RegisterStatementSyntax r:
                    Line("register " + Expr(r.Artifact) + " as " + Expr(r.ModelName) + (r.With is null ? "" : " with " + Expr(r.With)));
                    break;
                case ReturnStatementSyntax r:
                    Line("return " + Expr(r.Value));
                    break;
                case YieldStatementSyntax y:
                    Line("yield " + Expr(y.Value));
                    break;
                case ExpressionStatementSyntax e:
                    Line(Expr(e.Expression));
                    break;
            }

            Trailing(s);
        }

        private void If(IfStatementSyntax i, string keyword)
        {
            Line(keyword + Expr(i.Condition) + " {");
            HeaderTrailing(i);
            Block(i.Then);
            indent++;
            while (comments.Count > 0 && comments.Peek().Span.Span.Start < i.Then.Span.Span.End)
            {
                Line(comments.Dequeue().Text);
            }

            indent--;
            switch (i.Else)
            {
                case IfStatementSyntax nested:
                    If(nested, "} else if ");
                    return;
                case ElseBlockSyntax e:
                    Line("} else {");
                    Block(e.Block);
                    Close(i);
                    return;
                default:
                    Close(i);
                    return;
            }
        }

        private static string Parameters(ImmutableArray<ParameterSyntax> parameters) =>
            "(" + string.Join(", ", parameters.Select(p => p.Name.Text + ": " + Type(p.Type) + (p.Default is null ? "" : " = " + Expr(p.Default)))) + ")";

        private static string Type(TypeSyntax t) => t switch
        {
            NamedTypeSyntax n => n.QualifiedName + (n.Arguments.IsEmpty ? "" : "<" + string.Join(", ", n.Arguments.Select(Type)) + ">"),
            OptionalTypeSyntax o => Type(o.Inner) + "?",
            RecordTypeSyntax r => r.Fields.IsEmpty ? "{}" : "{ " + string.Join(", ", r.Fields.Select(f => f.Name.Text + ": " + Type(f.Type))) + " }",
            _ => "",
        };

        private static string Expr(ExpressionSyntax e) => e switch
        {
            LiteralSyntax l => l.Text,
            StringLiteralSyntax s => s.RawText,
            NameExpressionSyntax n => n.Name.Text,
            AliasReferenceSyntax a => "@" + a.Name.Text,
            MemberAccessSyntax m => Expr(m.Target) + "." + m.Member.Text,
            CallSyntax c => Expr(c.Callee) + "(" + string.Join(", ", c.Arguments.Select(a => (a.Name is null ? "" : a.Name.Text + ": ") + Expr(a.Value))) + ")",
            UnarySyntax u => (u.Operator == UnaryOperator.Not ? "not " : "-") + Expr(u.Operand),
            BinarySyntax b => Expr(b.Left) + " " + Binding.Binder.OperatorText(b.Operator) + " " + Expr(b.Right),
            ParenthesizedSyntax p => "(" + Expr(p.Inner) + ")",
            ListLiteralSyntax l => "[" + string.Join(", ", l.Items.Select(Expr)) + "]",
            RecordLiteralSyntax r => r.Fields.IsEmpty ? "{}" : "{ " + string.Join(", ", r.Fields.Select(f => (f.Quoted ? "\"" + f.Name.Text.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\"" : f.Name.Text) + ": " + Expr(f.Value))) + " }",
            ConstructorSyntax c => c.Kind.Text + " " + Expr(c.Options),
            ObjectiveSyntax o => (o.Direction == ObjectiveDirection.Maximize ? "maximize " : "minimize ") + Expr(o.Target),
            ForExpressionSyntax f => "for " + f.Variable.Text + " in " + Expr(f.Items) + " { ... }",
            _ => "",
        };
    }
}
