using System.Text.Json;
using System.Text.RegularExpressions;

namespace MLOps.Language.Tests.Grammar;

public sealed class EditorGrammarTests
{
    [Fact]
    public void Vscode_grammar_is_valid_json_and_highlights_every_keyword_of_the_lexer()
    {
        var folder = Path.Combine(RepoFiles.Root, "editors", "vscode");
        foreach (var file in new[] { "package.json", "language-configuration.json", "syntaxes/mlp.tmLanguage.json" })
        {
            using var _ = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, file)));
        }

        var tm = File.ReadAllText(Path.Combine(folder, "syntaxes", "mlp.tmLanguage.json"));
        var lexer = File.ReadAllText(Path.Combine(RepoFiles.Root, "grammar", "MlpLexer.g4"));
        var keywords = Regex.Matches(lexer, @"^[A-Z_]+\s*:\s*'([a-z]+)';", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
        Assert.True(keywords.Count > 30);
        var missing = keywords.Where(k => !Regex.IsMatch(tm, $@"[(|]{k}[|)]")).ToList();
        Assert.True(missing.Count == 0, "not highlighted: " + string.Join(", ", missing));
    }
}
