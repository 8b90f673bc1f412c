using System.CommandLine;
using MLOps.Cli.Commands;

namespace MLOps.Cli;

/// <summary>The composition root: every command group is built by its own class under Commands/.</summary>
public static class Program
{
    // mlpc run and mlpc sweep handle SIGINT and SIGTERM themselves (cancel, end the steps, record
    // the run as cancelled); System.CommandLine's own handler would end the process two seconds
    // after the signal, whatever the cancel was still doing.
    public static int Main(string[] args) => CreateRoot().Parse(args).Invoke(new InvocationConfiguration { ProcessTerminationTimeout = null });

    public static RootCommand CreateRoot()
    {
        var root = new RootCommand("mlpc: typed ML pipelines, sweeps and promotion policies.\n\nStart with:\n  mlpc check FILE.mlp     find every mistake before anything runs\n  mlpc build FILE.mlp     write the execution plan\n  mlpc run FILE.mlp       run it, tracked");
        root.Subcommands.Add(CompilerCommands.Check());
        root.Subcommands.Add(CompilerCommands.Build());
        root.Subcommands.Add(CompilerCommands.Fmt());
        root.Subcommands.Add(CompilerCommands.Graph());
        var tracking = TrackingCommandContext.ForConsole();
        Func<MLOps.Tracking.TrackingStores, MLOps.Runtime.Scheduling.IRegistrationHook?> policies = stores => new MLOps.Runtime.Policies.PolicyRegistrationHook(stores.Registry);
        root.Subcommands.Add(RunCommands.Run(tracking, afterRegister: policies));
        root.Subcommands.Add(RunCommands.Logs(tracking));
        root.Subcommands.Add(RunCommands.Explain(tracking));
        root.Subcommands.Add(RunsCommands.Create(tracking));
        root.Subcommands.Add(ModelsCommands.Create(tracking));
        root.Subcommands.Add(ArtifactsCommands.Create(tracking));
        root.Subcommands.Add(PolicyCommands.Promote(tracking));
        root.Subcommands.Add(PolicyCommands.Approve(tracking));
        root.Subcommands.Add(SweepCommands.Create(tracking, policies));
        return root;
    }
}
