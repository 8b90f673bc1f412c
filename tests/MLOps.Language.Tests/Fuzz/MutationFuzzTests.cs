using System.Text;
using MLOps.Language.Diagnostics;
using MLOps.Language.Modules;

namespace MLOps.Language.Tests.Fuzz;

/// <summary>
/// Mutates every example, stdlib module and case (delete, duplicate, swap and insert tokens and
/// characters; truncate) and runs each mutant through the whole compiler: no exception, no hang,
/// every diagnostic inside its file. Deterministic: the seed is fixed, so a failure reproduces.
/// </summary>
public sealed class MutationFuzzTests
{
    private const int MutantsPerRun = 10_000;
    private const string Pool = "{}()[]\"$:;,.=~@<>-+*/ \n\tabcxyz019_\\";

    internal static List<string> Seeds()
    {
        var seeds = RepoFiles.MlpFiles("examples", "stdlib", "tests/MLOps.Language.Tests/Cases").Select(File.ReadAllText).ToList();
        seeds.Add(TestSources.Churn);
        return seeds;
    }

    [Fact]
    public async Task Ten_thousand_mutants_never_crash_hang_or_misplace_a_diagnostic()
    {
        var seeds = Seeds();
        var random = new Random(20261124);
        var resolver = new InMemoryModuleResolver(new Dictionary<string, string>());
        for (var i = 0; i < MutantsPerRun; i++)
        {
            var mutant = Mutate(seeds[random.Next(seeds.Count)], random);
            var task = Task.Run(() => Compilation.FromText("fuzz.mlp", mutant, resolver));
            var finished = await Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(10)));
            Assert.True(finished == task, $"mutant {i} did not finish in 10 s:\n{mutant}");
            Compilation compilation;
            try
            {
                compilation = await task;
            }
            catch (Exception e)
            {
                Assert.Fail($"mutant {i} threw {e}\n--- input\n{mutant}");
                return;
            }

            foreach (var d in compilation.Diagnostics)
            {
                AssertInside(d, mutant, i);
            }
        }
    }

    [Theory]
    [InlineData("param x: int = ", "(", "1", ")", 100_000)]
    [InlineData("param x: int = ", "-", "1", "", 100_000)]
    [InlineData("param x: bool = ", "not ", "true", "", 100_000)]
    [InlineData("param x: int = 1", " + 1", "", "", 100_000)]
    [InlineData("param x: list<int> = ", "[", "1", "]", 50_000)]
    [InlineData("step s() -> (o: File) { run = ", "{", "", "}", 50_000)]
    public void Deep_or_long_input_gives_a_diagnostic_or_a_clean_parse_never_an_overflow(string prefix, string open, string middle, string close, int depth)
    {
        var sb = new StringBuilder(prefix);
        sb.Insert(sb.Length, open, depth).Append(middle).Insert(sb.Length, close, depth);
        var text = sb.ToString();
        var compilation = Compilation.FromText("deep.mlp", text);
        foreach (var d in compilation.Diagnostics)
        {
            AssertInside(d, text, 0);
        }

        if (open.Trim().Length > 0 && open != " + 1")
        {
            Assert.Contains(compilation.Diagnostics, d => d.Code == "MLP1003");
        }
    }

    private static void AssertInside(Diagnostic d, string text, int mutant)
    {
        if (d.Span.File.Path is "fuzz.mlp" or "deep.mlp")
        {
            Assert.True(d.Span.Span.Start >= 0 && d.Span.Span.Start <= d.Span.Span.End && d.Span.Span.End <= text.Length, $"mutant {mutant}: {d} has span {d.Span.Span} outside 0..{text.Length}");
        }

        Assert.Matches(@"^MLP\d{4}$", d.Code);
        Assert.False(string.IsNullOrWhiteSpace(d.Message));
    }

    internal static string Mutate(string text, Random random)
    {
        var rounds = 1 + random.Next(3);
        for (var r = 0; r < rounds && text.Length > 0; r++)
        {
            var tokens = Tokens(text);
            switch (random.Next(8))
            {
                case 0 when tokens.Count > 1:
                    tokens.RemoveAt(random.Next(tokens.Count));
                    text = string.Concat(tokens);
                    break;
                case 1 when tokens.Count > 0:
                    var t = random.Next(tokens.Count);
                    tokens.Insert(t, tokens[t]);
                    text = string.Concat(tokens);
                    break;
                case 2 when tokens.Count > 1:
                    var a = random.Next(tokens.Count);
                    var b = random.Next(tokens.Count);
                    (tokens[a], tokens[b]) = (tokens[b], tokens[a]);
                    text = string.Concat(tokens);
                    break;
                case 3 when tokens.Count > 0:
                    tokens.Insert(random.Next(tokens.Count), tokens[random.Next(tokens.Count)]);
                    text = string.Concat(tokens);
                    break;
                case 4:
                    text = text.Remove(random.Next(text.Length), 1);
                    break;
                case 5:
                    text = text.Insert(random.Next(text.Length + 1), Pool[random.Next(Pool.Length)].ToString());
                    break;
                case 6:
                    var at = random.Next(text.Length);
                    text = text.Insert(at, text[at].ToString());
                    break;
                default:
                    text = text[..random.Next(text.Length + 1)];
                    break;
            }
        }

        return text;
    }

    /// <summary>Splits into words, punctuation and whitespace runs, so joining them gives the text back.</summary>
    private static List<string> Tokens(string text)
    {
        var tokens = new List<string>();
        var i = 0;
        while (i < text.Length)
        {
            var start = i;
            if (char.IsLetterOrDigit(text[i]) || text[i] == '_')
            {
                while (i < text.Length && (char.IsLetterOrDigit(text[i]) || text[i] == '_'))
                {
                    i++;
                }
            }
            else if (char.IsWhiteSpace(text[i]))
            {
                while (i < text.Length && char.IsWhiteSpace(text[i]))
                {
                    i++;
                }
            }
            else
            {
                i++;
            }

            tokens.Add(text[start..i]);
        }

        return tokens;
    }
}
