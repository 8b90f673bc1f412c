using System.Collections.Immutable;
using System.Linq;
using System.Reflection;

namespace MLOps.Language.Diagnostics;

/// <summary>
/// Every diagnostic the compiler can produce, each with a stable code. Codes never change
/// meaning; retired codes are not reused. docs/diagnostics.md documents each one with an example,
/// and a test proves every code here is unique, documented and produced by a test case.
/// MLP1xxx syntax · MLP2xxx names and types · MLP3xxx pipelines · MLP4xxx sweeps · MLP5xxx policies · MLP6xxx targets and resources.
/// </summary>
public static class DiagnosticCatalog
{
    private const DiagnosticSeverity Error = DiagnosticSeverity.Error;
    private const DiagnosticSeverity Warning = DiagnosticSeverity.Warning;

    // Syntax
    public static readonly DiagnosticDescriptor SyntaxError = new("MLP1001", Error, "Syntax error", "{0}");
    public static readonly DiagnosticDescriptor UnterminatedString = new("MLP1002", Error, "Unterminated string", "This string has no closing '\"' before the end of the line.");
    public static readonly DiagnosticDescriptor NestingTooDeep = new("MLP1003", Error, "Nesting too deep", "Expressions are nested more than {0} levels deep here; split them with 'let'.");
    public static readonly DiagnosticDescriptor InvalidCharacter = new("MLP1004", Error, "Invalid character", "The character '{0}' is not valid here.");
    public static readonly DiagnosticDescriptor InvalidNumber = new("MLP1005", Error, "Invalid number", "'{0}' is not a valid number: {1}.");
    public static readonly DiagnosticDescriptor InvalidEscape = new("MLP1006", Error, "Invalid escape sequence", "'\\{0}' is not an escape sequence; use \\\\, \\\", \\n, \\t, \\r or \\$.");
    public static readonly DiagnosticDescriptor InvalidInterpolation = new("MLP1007", Error, "Invalid interpolation", "The interpolation '${{{0}}}' is not a valid expression.");

    // Names and types
    public static readonly DiagnosticDescriptor UnknownName = new("MLP2001", Error, "Unknown name", "The name '{0}' does not exist here.");
    public static readonly DiagnosticDescriptor DuplicateDeclaration = new("MLP2002", Error, "Duplicate declaration", "'{0}' is already declared in this {1}.");
    public static readonly DiagnosticDescriptor TypeMismatch = new("MLP2003", Error, "Type mismatch", "Expected a value of type '{0}' but found '{1}'.");
    public static readonly DiagnosticDescriptor UnknownType = new("MLP2004", Error, "Unknown type", "The type '{0}' does not exist.");
    public static readonly DiagnosticDescriptor UnknownField = new("MLP2005", Error, "Unknown field", "The type '{0}' has no field '{1}'.");
    public static readonly DiagnosticDescriptor UnknownArgument = new("MLP2006", Error, "Unknown argument", "'{0}' has no parameter named '{1}'.");
    public static readonly DiagnosticDescriptor MissingArgument = new("MLP2007", Error, "Missing argument", "The call to '{0}' is missing the required argument '{1}' of type '{2}'.");
    public static readonly DiagnosticDescriptor DuplicateArgument = new("MLP2008", Error, "Duplicate argument", "The argument '{0}' is given more than once.");
    public static readonly DiagnosticDescriptor PositionalArgument = new("MLP2009", Error, "Argument needs a name", "Arguments of steps and pipelines are passed by name: write '{0}: value'.");
    public static readonly DiagnosticDescriptor ImportNotFound = new("MLP2010", Error, "Import not found", "Cannot find the module '{0}'{1}.");
    public static readonly DiagnosticDescriptor ImportCycle = new("MLP2011", Error, "Import cycle", "Importing '{0}' forms a cycle: {1}.");
    public static readonly DiagnosticDescriptor UnknownProperty = new("MLP2012", Error, "Unknown property", "A {0} has no property '{1}'.");
    public static readonly DiagnosticDescriptor DuplicateProperty = new("MLP2013", Error, "Duplicate property", "'{0}' is set more than once.");
    public static readonly DiagnosticDescriptor InvalidOperands = new("MLP2014", Error, "Invalid operands", "The operator '{0}' cannot be applied to '{1}' and '{2}'.");
    public static readonly DiagnosticDescriptor NotCallable = new("MLP2015", Error, "Not callable", "'{0}' is a {1}, not a step, pipeline or function.");
    public static readonly DiagnosticDescriptor WrongTypeArguments = new("MLP2016", Error, "Wrong type arguments", "'{0}' takes {1} type argument(s).");
    public static readonly DiagnosticDescriptor InvalidInterpolationType = new("MLP2017", Error, "Cannot interpolate", "A value of type '{0}' cannot be put into a string; interpolate scalars and artifacts.");
    public static readonly DiagnosticDescriptor MissingProperty = new("MLP2018", Error, "Missing property", "A {0} needs the property '{1}'.");
    public static readonly DiagnosticDescriptor NotConstant = new("MLP2019", Error, "Not a constant", "{0} must be known before the run starts: use literals, params and env(\"NAME\").");
    public static readonly DiagnosticDescriptor WrongArgumentCount = new("MLP2020", Error, "Wrong number of arguments", "'{0}' takes {1} argument(s) but {2} were given.");
    public static readonly DiagnosticDescriptor UnknownParameterOverride = new("MLP2021", Error, "Unknown parameter", "There is no parameter '{0}' to set with --param.");
    public static readonly DiagnosticDescriptor InvalidParameterValue = new("MLP2022", Error, "Invalid parameter value", "'{0}' is not a valid value for '{1}' of type '{2}': {3}.");
    public static readonly DiagnosticDescriptor TypeCycle = new("MLP2024", Error, "Type cycle", "The type '{0}' is defined in terms of itself: {1}.");
    public static readonly DiagnosticDescriptor NotAType = new("MLP2023", Error, "Not a type", "'{0}' is a {1}, not a type.");

    // Pipelines and the DAG
    public static readonly DiagnosticDescriptor UnknownOutput = new("MLP3001", Error, "Unknown output", "'{0}' has no output named '{1}'.");
    public static readonly DiagnosticDescriptor PipelineCycle = new("MLP3002", Error, "Pipeline cycle", "The pipeline '{0}' calls itself: {1}.");
    public static readonly DiagnosticDescriptor MissingReturn = new("MLP3003", Error, "Missing return", "The pipeline '{0}' declares outputs but does not return them.");
    public static readonly DiagnosticDescriptor UnusedLet = new("MLP3004", Warning, "Unused binding", "'{0}' is never used.");
    public static readonly DiagnosticDescriptor StatementNotAllowed = new("MLP3005", Error, "Statement not allowed here", "{0}");
    public static readonly DiagnosticDescriptor NoEffect = new("MLP3006", Error, "Statement has no effect", "Only calls, register and for can stand alone as statements.");
    public static readonly DiagnosticDescriptor NotIterable = new("MLP3007", Error, "Not a list", "'for' needs a list but this is '{0}'.");
    public static readonly DiagnosticDescriptor InvalidRegistration = new("MLP3008", Error, "Invalid registration", "{0}");
    public static readonly DiagnosticDescriptor NoEntryPoint = new("MLP3009", Error, "No pipeline to build", "{0}");
    public static readonly DiagnosticDescriptor UnreachableCode = new("MLP3010", Warning, "Unreachable code", "Statements after 'return' never run.");
    public static readonly DiagnosticDescriptor MissingReturnField = new("MLP3011", Error, "Missing output", "The return value lacks the declared output '{0}'.");

    // Sweeps
    public static readonly DiagnosticDescriptor UnknownSweepParameter = new("MLP4001", Error, "Not a pipeline parameter", "The pipeline '{0}' has no parameter '{1}' to sweep.");
    public static readonly DiagnosticDescriptor DistributionMismatch = new("MLP4002", Error, "Distribution does not fit", "{0}");
    public static readonly DiagnosticDescriptor InvalidObjective = new("MLP4003", Error, "Invalid objective", "{0}");
    public static readonly DiagnosticDescriptor UnknownDistribution = new("MLP4004", Error, "Unknown distribution", "'{0}' is not a distribution; use uniform, loguniform, int or choice.");
    public static readonly DiagnosticDescriptor UnknownAlgorithm = new("MLP4005", Error, "Unknown algorithm", "'{0}' is not a {1}; known: {2}.");
    public static readonly DiagnosticDescriptor UnknownAlgorithmOption = new("MLP4006", Error, "Unknown option", "The {0} '{1}' has no option '{2}'.");
    public static readonly DiagnosticDescriptor InvalidSweepValue = new("MLP4007", Error, "Invalid sweep setting", "{0}");
    public static readonly DiagnosticDescriptor MissingObjective = new("MLP4008", Error, "Missing objective", "The sweep '{0}' needs 'objective = maximize|minimize <output>'.");
    public static readonly DiagnosticDescriptor UnknownSweepSetting = new("MLP4009", Error, "Unknown sweep setting", "A sweep has no setting '{0}'.");

    // Policies
    public static readonly DiagnosticDescriptor UnknownPolicyMetric = new("MLP5001", Error, "Unknown metric", "The model '{0}' is registered with metrics of type '{1}', which has no field '{2}'.");
    public static readonly DiagnosticDescriptor UndeclaredAlias = new("MLP5002", Warning, "Undeclared alias", "No policy sets the alias '@{0}', so it may hold no version.");
    public static readonly DiagnosticDescriptor UnregisteredModel = new("MLP5003", Warning, "Model never registered", "No pipeline registers a model named '{0}'.");
    public static readonly DiagnosticDescriptor InvalidPolicyAction = new("MLP5004", Error, "Invalid action", "{0}");

    // Targets and resources
    public static readonly DiagnosticDescriptor UnknownTargetKind = new("MLP6001", Error, "Unknown target kind", "'{0}' is not a target kind; use local, slurm, kubernetes or ray.");
    public static readonly DiagnosticDescriptor UnknownTargetProperty = new("MLP6002", Error, "Unknown target property", "A {0} target has no property '{1}'.");
    public static readonly DiagnosticDescriptor MissingTargetProperty = new("MLP6003", Error, "Missing target property", "A {0} target needs the property '{1}'.");
    public static readonly DiagnosticDescriptor WrongUnit = new("MLP6004", Error, "Wrong unit", "'{0}' is a {1}: write it as {2}.");
    public static readonly DiagnosticDescriptor UnknownResource = new("MLP6005", Error, "Unknown resource", "'{0}' is not a resource; use cpu, memory, gpu or gpu_type.");
    public static readonly DiagnosticDescriptor InvalidValue = new("MLP6006", Error, "Invalid value", "{0}");
    public static readonly DiagnosticDescriptor NotATarget = new("MLP6007", Error, "Not a target", "'{0}' is a {1}, not a target.");

    public static ImmutableArray<DiagnosticDescriptor> All { get; } =
    [
        .. typeof(DiagnosticCatalog)
            .GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(DiagnosticDescriptor))
            .Select(f => (DiagnosticDescriptor)f.GetValue(null)!)
            .OrderBy(d => d.Code, System.StringComparer.Ordinal),
    ];
}
