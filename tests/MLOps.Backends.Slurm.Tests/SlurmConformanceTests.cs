using MLOps.Plan;
using MLOps.Runtime.Execution;
using MLOps.Runtime.Tests.Execution;

namespace MLOps.Backends.Slurm.Tests;

/// <summary>The executor conformance suite, against the real local Slurm through slurmrestd.</summary>
public sealed class SlurmConformanceTests : ExecutorConformanceTests
{
    protected override PlanTarget Target => SlurmService.Target();

    protected override IExecutor CreateExecutor()
    {
        SlurmService.Require();
        return SlurmExecutor.CreateAsync(Target, SlurmService.Lookup).GetAwaiter().GetResult();
    }
}
