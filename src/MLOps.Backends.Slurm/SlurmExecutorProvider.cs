using MLOps.Runtime.Execution;

namespace MLOps.Backends.Slurm;

public static class SlurmExecutorProvider
{
    /// <summary>
    /// Adds the slurm target kind to the runtime's executors: <c>new ExecutorProvider().AddSlurm()</c>.
    /// <paramref name="environment"/> resolves <c>env("...")</c> values and the token variable (default: the process environment).
    /// </summary>
    public static ExecutorProvider AddSlurm(this ExecutorProvider provider, Func<string, string?>? environment = null) =>
        provider.Add("slurm", target => SlurmExecutor.Create(target, environment), target => SlurmExecutor.Check(target, environment));
}
