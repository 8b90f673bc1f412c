namespace MLOps.Runtime.Contract;

/// <summary>
/// The environment a step runs with (docs/step-contract.md): one home for the variable names,
/// read by the Python helper (stdlib/python/mlp.py) and by steps in any language.
/// </summary>
public static class StepContract
{
    public const string RunId = "MLP_RUN_ID";
    public const string StepRunId = "MLP_STEP_RUN_ID";
    public const string Step = "MLP_STEP";
    public const string Node = "MLP_NODE";
    public const string Attempt = "MLP_ATTEMPT";
    public const string OutputDir = "MLP_OUTPUT_DIR";
    public const string WorkDir = "MLP_WORK_DIR";
    public const string MetricsFile = "MLP_METRICS_FILE";
    public const string ProjectDir = "MLP_PROJECT_DIR";
    public const string InputPrefix = "MLP_IN_";

    /// <summary>
    /// Beside <see cref="InputPrefix"/>NAME for an input too long for the environment: the path of
    /// a file that holds it (Linux refuses a single variable over 128 KiB, and a gather of
    /// thousands of paths is longer than that).
    /// </summary>
    public const string InputFileSuffix = "_FILE";

    /// <summary>Input texts up to this length go in the environment; longer ones in a file.</summary>
    public const int InlineInputLimit = 32 * 1024;
    public const string OutputPrefix = "MLP_OUT_";

    /// <summary>
    /// Writes the Python helper (stdlib/python/mlp.py, embedded) into <paramref name="directory"/>
    /// when it is missing or differs, and returns that directory for PYTHONPATH.
    /// </summary>
    public static string InstallPythonHelper(string directory)
    {
        lock (HelperGate)
        {
            return InstallPythonHelperCore(directory);
        }
    }

    private static readonly Lock HelperGate = new();

    private static string InstallPythonHelperCore(string directory)
    {
        using var resource = typeof(StepContract).Assembly.GetManifestResourceStream("mlp.py")
            ?? throw new InvalidOperationException("the Python helper is not embedded in MLOps.Runtime");
        using var reader = new StreamReader(resource);
        var text = reader.ReadToEnd();
        var path = Path.Combine(directory, "mlp.py");
        if (!File.Exists(path) || File.ReadAllText(path) != text)
        {
            Directory.CreateDirectory(directory);
            var temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
            File.WriteAllText(temp, text);
            File.Move(temp, path, overwrite: true);
        }

        return directory;
    }

    /// <summary>File name of a value output (record, list, scalar) inside the output folder.</summary>
    public static string ValueFileName(string output) => output + ".json";

    /// <summary>An input or output name as an environment variable suffix: upper case, non-alphanumerics as '_'.</summary>
    public static string VariableSuffix(string name) =>
        string.Concat(name.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToUpperInvariant(c) : '_'));
}
