using MLOps.Plan;

namespace MLOps.Language.Tests.Lowering;

public sealed class PlanJsonReaderTests
{
    public static TheoryData<string> Plans()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(Path.Combine(RepoFiles.Root, "examples"), "*.plan.json", SearchOption.AllDirectories)
            .Concat(Directory.EnumerateFiles(Path.Combine(RepoFiles.Root, "tests", "MLOps.Language.Tests", "Cases"), "*.plan.json", SearchOption.AllDirectories))
            .Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(RepoFiles.Root, file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Plans))]
    public void Every_golden_plan_reads_back_to_the_same_bytes(string relative)
    {
        var json = File.ReadAllText(Path.Combine(RepoFiles.Root, relative));
        Assert.Equal(json, PlanJson.Write(PlanJsonReader.Read(json)));
    }

    [Theory]
    [InlineData("{", "not valid JSON")]
    [InlineData("{\"schema\": \"mlp.plan/v9\"}", "'mlp.plan/v9'")]
    [InlineData("{\"schema\": \"mlp.plan/v1\", \"kind\": \"pipeline\"}", "$: missing 'source'")]
    public void Bad_plans_are_refused_with_the_place(string json, string expected)
    {
        var e = Assert.Throws<PlanFormatException>(() => PlanJsonReader.Read(json));
        Assert.Contains(expected, e.Message);
    }
}
