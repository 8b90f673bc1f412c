using MLOps.Plan;
using MLOps.Runtime.Contract;

namespace MLOps.Runtime.Tests.Contract;

public sealed class OutputValidatorTests
{
    private static readonly RecordPlanType Metrics = new("EvalMetrics", [
        new("accuracy", new ScalarPlanType("float")),
        new("auc", new ScalarPlanType("float")),
        new("epochs", new ScalarPlanType("int")),
        new("notes", new OptionalPlanType(new ScalarPlanType("string"))),
        new("per_class", new ListPlanType(new ScalarPlanType("float"))),
    ]);

    private static IReadOnlyList<string> Check(string json, PlanType? type = null)
    {
        var path = Path.Combine(Path.GetTempPath(), "mlpc-out-" + Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(path, json);
        return OutputValidator.Validate("metrics", type ?? Metrics, path);
    }

    [Fact]
    public void A_record_that_fits_passes()
    {
        Assert.Empty(Check("""{"accuracy": 0.9, "auc": 1, "epochs": 3, "per_class": [0.5, 0.7], "extra": "ignored"}"""));
    }

    [Fact]
    public void A_wrong_field_is_named_with_file_field_and_expected_type()
    {
        var error = Assert.Single(Check("""{"accuracy": 0.9, "auc": "high", "epochs": 3, "per_class": []}"""));
        Assert.Contains("'metrics.auc' should be float but is the string \"high\"", error);
        Assert.Contains(".json", error);
    }

    [Fact]
    public void Missing_fields_malformed_json_and_missing_files_fail()
    {
        Assert.Contains("'metrics.epochs' (int) is missing", Assert.Single(Check("""{"accuracy": 0.9, "auc": 0.8, "per_class": []}""")));
        Assert.Contains("'metrics.epochs' should be int but is the number 2.5", Assert.Single(Check("""{"accuracy": 0.9, "auc": 0.8, "epochs": 2.5, "per_class": []}""")));
        Assert.Contains("'metrics.per_class[1]' should be float", Assert.Single(Check("""{"accuracy": 0.9, "auc": 0.8, "epochs": 2, "per_class": [1, "x"]}""")));
        Assert.Contains("is not valid JSON", Assert.Single(Check("{ nope")));
        Assert.Contains("did not write", Assert.Single(OutputValidator.Validate("model", new ArtifactPlanType("Model"), "/nonexistent/model.bin")));
        Assert.Contains("did not write", Assert.Single(OutputValidator.Validate("metrics", Metrics, "/nonexistent/m.json")));
    }
}
