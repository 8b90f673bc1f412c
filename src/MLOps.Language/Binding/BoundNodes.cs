using System.Collections.Generic;
using System.Collections.Immutable;
using MLOps.Language.Syntax;
using MLOps.Language.Text;

namespace MLOps.Language.Binding;

/// <summary>An expression with its names resolved and its type known. Lowering reads only these.</summary>
public abstract record BoundExpression(MlpType Type, SourceSpan Span);

public sealed record BoundError(SourceSpan Span) : BoundExpression(ErrorType.Instance, Span);

/// <summary>A compile-time literal: long, double, bool, string, null; durations in seconds, sizes in bytes.</summary>
public sealed record BoundLiteral(MlpType Type, object? Value, SourceSpan Span) : BoundExpression(Type, Span);

public sealed record BoundParamRef(ParamSymbol Param, SourceSpan Span) : BoundExpression(Param.Type, Span);

public sealed record BoundLocalRef(LocalSymbol Local, SourceSpan Span) : BoundExpression(Local.Type, Span);

/// <summary>A step input inside its own <c>run</c> or properties.</summary>
public sealed record BoundInputRef(ParameterSymbol Input, SourceSpan Span) : BoundExpression(Input.Type, Span);

/// <summary><c>${out.name}</c>: where a step writes an output.</summary>
public sealed record BoundOutputPlace(ParameterSymbol Output, SourceSpan Span) : BoundExpression(PrimitiveType.Path, Span);

/// <summary><c>env("NAME")</c>: resolved from the environment of the machine that runs the step.</summary>
public sealed record BoundEnv(string Name, SourceSpan Span) : BoundExpression(PrimitiveType.String, Span);

public sealed record BoundEnumMember(EnumType Enum, string Member, SourceSpan Span) : BoundExpression(Enum, Span);

public sealed record BoundTargetRef(TargetSymbol Target, SourceSpan Span) : BoundExpression(ErrorType.Instance, Span);

public sealed record BoundCall(CallableSymbol Callee, ImmutableArray<KeyValuePair<ParameterSymbol, BoundExpression>> Arguments, SyntaxNode Syntax, SourceSpan Span)
    : BoundExpression(new CallResultType(Callee), Span);

public sealed record BoundMember(BoundExpression Target, string Member, MlpType Type, SourceSpan Span) : BoundExpression(Type, Span);

public sealed record BoundUnary(UnaryOperator Operator, BoundExpression Operand, MlpType Type, SourceSpan Span) : BoundExpression(Type, Span);

public sealed record BoundBinary(BoundExpression Left, BinaryOperator Operator, BoundExpression Right, MlpType Type, SourceSpan Span) : BoundExpression(Type, Span);

public sealed record BoundList(ImmutableArray<BoundExpression> Items, MlpType Type, SourceSpan Span) : BoundExpression(Type, Span);

public sealed record BoundRecord(ImmutableArray<KeyValuePair<string, BoundExpression>> Fields, MlpType Type, SourceSpan Span) : BoundExpression(Type, Span);

/// <summary>A string with interpolations; parts are <see cref="BoundLiteral"/> text or any scalar/artifact expression.</summary>
public sealed record BoundString(ImmutableArray<BoundExpression> Parts, SourceSpan Span) : BoundExpression(PrimitiveType.String, Span);

/// <summary><c>candidate</c> or <c>@alias</c> in a policy.</summary>
public sealed record BoundModelRef(string Ref, ModelVersionType VersionType, SourceSpan Span) : BoundExpression(VersionType, Span);

/// <summary><c>for x in xs { ... yield e }</c>; its value is the list of yielded values.</summary>
public sealed record BoundFor(LocalSymbol Variable, BoundExpression Items, BoundBlock Body, BoundExpression? Yield, MlpType Type, SourceSpan Span) : BoundExpression(Type, Span);

/// <summary>An algorithm with options as a property value: <c>tpe { startup_trials: 10 }</c>.</summary>
public sealed record BoundConstructor(string Kind, ImmutableArray<KeyValuePair<string, BoundExpression>> Options, SourceSpan Span) : BoundExpression(ErrorType.Instance, Span);

public abstract record BoundStatement(SourceSpan Span);

public sealed record BoundBlock(ImmutableArray<BoundStatement> Statements, SourceSpan Span) : BoundStatement(Span);

public sealed record BoundLet(LocalSymbol Local, BoundExpression Value, SourceSpan Span) : BoundStatement(Span);

public sealed record BoundIf(BoundExpression Condition, BoundBlock Then, BoundStatement? Else, SourceSpan Span) : BoundStatement(Span);

public sealed record BoundForStatement(BoundFor For, SourceSpan Span) : BoundStatement(Span);

public sealed record BoundRegister(BoundExpression Artifact, string Model, BoundExpression? Metrics, BoundExpression? Tags, SourceSpan Span) : BoundStatement(Span);

public sealed record BoundReturn(BoundExpression Value, SourceSpan Span) : BoundStatement(Span);

public sealed record BoundYield(BoundExpression Value, SourceSpan Span) : BoundStatement(Span);

public sealed record BoundExpressionStatement(BoundExpression Expression, SourceSpan Span) : BoundStatement(Span);

public sealed record BoundResources(double Cpu, long MemoryBytes, int Gpu, string? GpuType);

public sealed record BoundRetry(int Attempts, double BackoffSeconds, double Factor);

/// <summary>A step's properties, checked and with defaults applied.</summary>
public sealed record BoundStep(
    BoundString Run,
    BoundExpression? Image,
    ImmutableArray<KeyValuePair<string, BoundExpression>> Env,
    BoundResources Resources,
    BoundRetry Retry,
    double? TimeoutSeconds,
    bool Cache,
    TargetSymbol Target);

public sealed record BoundDimension(ParameterSymbol Parameter, string Distribution, double? Low, double? High, double? Step, bool Log, ImmutableArray<BoundExpression> Choices, SourceSpan Span);

public sealed record BoundSweep(
    PipelineSymbol Pipeline,
    ImmutableArray<BoundDimension> Dimensions,
    ObjectiveDirection Direction,
    string ObjectiveOutput,
    ImmutableArray<string> ObjectivePath,
    BoundConstructor Sampler,
    BoundConstructor? Pruner,
    int Trials,
    int Parallel,
    double? TimeoutSeconds,
    int? MaxFailed,
    int? Seed);

public sealed record BoundRule(string Kind, string Text, BoundExpression? Condition, string? Message, string? Group);

public sealed record BoundAction(string Kind, string? Alias, ImmutableArray<KeyValuePair<string, string>> Tags, string? Url, string? SecretEnv);

public sealed record BoundPolicy(string Model, ImmutableArray<string> ReadsAliases, ImmutableArray<BoundRule> Rules, ImmutableArray<BoundAction> OnPass, ImmutableArray<BoundAction> OnFail);
