using System.CommandLine;
using MLOps.Cli.Commands;

namespace MLOps.Cli;

/// <summary>The composition root: every command group is built by its own class under Commands/.</summary>
public static class Program
{
    public static int Main(string[] args) => CreateRoot().Parse(args).Invoke();

    public static RootCommand CreateRoot()
    {
        var root = new RootCommand("mlpc: typed ML pipelines, sweeps and promotion policies.\n\nStart with:\n  mlpc check FILE.mlp     find every mistake before anything runs\n  mlpc build FILE.mlp     write the execution plan\n  mlpc run FILE.mlp       run it, tracked");
        root.Subcommands.Add(CompilerCommands.Check());
        root.Subcommands.Add(CompilerCommands.Build());
        root.Subcommands.Add(CompilerCommands.Fmt());
        root.Subcommands.Add(CompilerCommands.Graph());
        var tracking = TrackingCommandContext.ForConsole();
        root.Subcommands.Add(RunCommands.Run(tracking, afterRegister: stores => new MLOps.Runtime.Policies.PolicyRegistrationHook(stores.Registry)));
        root.Subcommands.Add(RunCommands.Logs(tracking));
        root.Subcommands.Add(RunCommands.Explain(tracking));
        root.Subcommands.Add(RunsCommands.Create(tracking));
        root.Subcommands.Add(ModelsCommands.Create(tracking));
        root.Subcommands.Add(ArtifactsCommands.Create(tracking));
        root.Subcommands.Add(PolicyCommands.Promote(tracking));
        root.Subcommands.Add(PolicyCommands.Approve(tracking));
        root.Subcommands.Add(SweepCommands.Create(tracking));
        return root;
    }
}
