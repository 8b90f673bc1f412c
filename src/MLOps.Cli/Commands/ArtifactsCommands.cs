using System.CommandLine;
using static MLOps.Cli.Commands.TrackingCommandContext;

namespace MLOps.Cli.Commands;

/// <summary><c>mlpc artifacts get DIGEST -o PATH</c>: writes a stored file or directory artifact to a path.</summary>
public static class ArtifactsCommands
{
    public static Command Create(TrackingCommandContext ctx)
    {
        var artifacts = new Command("artifacts", "Content-addressed artifacts");
        artifacts.Options.Add(ctx.StoreOption);
        artifacts.Subcommands.Add(Get(ctx));
        return artifacts;
    }

    private static Command Get(TrackingCommandContext ctx)
    {
        var digest = new Argument<string>("digest") { Description = "sha256:<64 hex digits>" };
        var output = new Option<string>("--output", "-o") { Description = "Where to write it (must not exist yet)", Required = true };
        var command = new Command("get", "Write an artifact (file or directory) to a path, verifying its digest") { digest, output };
        command.SetAction((result, cancellationToken) => ctx.WithStoresAsync(result, async stores =>
        {
            var target = Path.GetFullPath(result.GetValue(output)!, ctx.WorkingDirectory);
            var stored = await stores.Artifacts.MaterializeAsync(result.GetValue(digest)!, target, cancellationToken);
            ctx.Out.WriteLine($"{(stored.IsDirectory ? "directory" : "file")} {stored.Digest} ({stored.Size} bytes) -> {target}");
            return ExitOk;
        }));
        return command;
    }
}
