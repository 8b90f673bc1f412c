using System.CommandLine;
using System.Globalization;
using MLOps.Tracking;
using MLOps.Tracking.Registry;
using static MLOps.Cli.Commands.TrackingCommandContext;

namespace MLOps.Cli.Commands;

/// <summary>
/// <c>mlpc models list|show|history|alias set|move|delete</c>. Alias changes are compare-and-swap:
/// <c>set</c> expects the alias to be unset, <c>move</c> and <c>delete</c> need <c>--expect</c>.
/// </summary>
public static class ModelsCommands
{
    public static Command Create(TrackingCommandContext ctx)
    {
        var models = new Command("models", "Registered models, versions and aliases");
        models.Options.Add(ctx.StoreOption);
        models.Subcommands.Add(List(ctx));
        models.Subcommands.Add(Show(ctx));
        models.Subcommands.Add(History(ctx));
        models.Subcommands.Add(Alias(ctx));
        return models;
    }

    private static Command List(TrackingCommandContext ctx)
    {
        var command = new Command("list", "List registered models");
        command.SetAction((result, _) => ctx.WithStoresAsync(result, async stores =>
        {
            var models = await stores.Registry.ListModelsAsync();
            ctx.WriteTable(["model", "latest", "aliases", "created"],
                models.Select(m => (IReadOnlyList<string>)[m.Name, m.LatestVersion.ToString(CultureInfo.InvariantCulture), FormatAliases(m.Aliases), Time(m.CreatedAt)]));
            return ExitOk;
        }));
        return command;
    }

    private static Command Show(TrackingCommandContext ctx)
    {
        var model = new Argument<string>("model");
        var command = new Command("show", "Show the versions and aliases of a model") { model };
        command.SetAction((result, _) => ctx.WithStoresAsync(result, async stores =>
        {
            var name = result.GetValue(model)!;
            var found = await stores.Registry.GetModelAsync(name) ?? throw new TrackingNotFoundException($"no model '{name}' in {stores.Uri}");
            var versions = await stores.Registry.ListVersionsAsync(name);
            ctx.WriteTable(["version", "aliases", "run", "digest", "metrics", "created", "by"],
                versions.Select(v => (IReadOnlyList<string>)[v.Version.ToString(CultureInfo.InvariantCulture), string.Join(",", v.Aliases), v.SourceRunId ?? "-", v.ArtifactDigest, v.MetricsJson, Time(v.CreatedAt), v.CreatedBy ?? "-"]),
                $"{found.Name} ({FormatAliases(found.Aliases)})");
            var pending = await stores.Registry.ListPromotionsAsync(name, PromotionStates.Pending);
            if (pending.Count > 0)
            {
                // Promotions waiting for `mlpc approve`: shown here so nobody has to know to ask.
                PolicyCommands.WritePromotions(ctx, pending, name + ", waiting for approval");
            }

            return ExitOk;
        }));
        return command;
    }

    private static Command History(TrackingCommandContext ctx)
    {
        var model = new Argument<string>("model");
        var alias = new Option<string?>("--alias", "-a") { Description = "Only this alias" };
        var command = new Command("history", "Alias history of a model (append-only): who moved what, when, from, to, why") { model, alias };
        command.SetAction((result, _) => ctx.WithStoresAsync(result, async stores =>
        {
            var history = await stores.Registry.GetAliasHistoryAsync(result.GetValue(model)!, result.GetValue(alias));
            ctx.WriteTable(["#", "alias", "from", "to", "by", "at", "reason"],
                history.Select(h => (IReadOnlyList<string>)[h.Sequence.ToString(CultureInfo.InvariantCulture), h.Alias, Version(h.FromVersion), Version(h.ToVersion), h.Actor, Time(h.At), h.Reason ?? ""]));
            return ExitOk;
        }));
        return command;
    }

    private static Command Alias(TrackingCommandContext ctx)
    {
        var alias = new Command("alias", "Set, move or delete an alias with compare-and-swap");
        alias.Subcommands.Add(Change(ctx, "set", "Point an alias that is not set yet at a version", needsVersion: true, expectRequired: false));
        alias.Subcommands.Add(Change(ctx, "move", "Move an alias from the version you expect to another", needsVersion: true, expectRequired: true));
        alias.Subcommands.Add(Change(ctx, "delete", "Delete an alias that holds the version you expect", needsVersion: false, expectRequired: true));
        return alias;
    }

    private static Command Change(TrackingCommandContext ctx, string name, string description, bool needsVersion, bool expectRequired)
    {
        var model = new Argument<string>("model");
        var aliasName = new Argument<string>("alias");
        var version = new Argument<int>("version");
        var expect = new Option<string?>("--expect")
        {
            Description = "The version the alias holds now, or 'none' (the change fails with a conflict otherwise)",
            Required = expectRequired,
        };
        var reason = new Option<string?>("--reason", "-m") { Description = "Why (kept in the alias history)" };
        var command = new Command(name, description) { model, aliasName };
        if (needsVersion)
        {
            command.Arguments.Add(version);
        }

        if (expectRequired)
        {
            command.Options.Add(expect);
        }

        command.Options.Add(reason);
        command.SetAction((result, _) => ctx.WithStoresAsync(result, async stores =>
        {
            int? expected = null;
            if (expectRequired)
            {
                var text = result.GetValue(expect)!;
                if (!string.Equals(text, "none", StringComparison.OrdinalIgnoreCase))
                {
                    if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) || parsed < 1)
                    {
                        ctx.Error.WriteLine($"error: --expect must be a version number or 'none', not '{text}'");
                        return ExitUsage;
                    }

                    expected = parsed;
                }
            }

            var change = await stores.Registry.ChangeAliasAsync(new AliasChange
            {
                Model = result.GetValue(model)!,
                Alias = result.GetValue(aliasName)!,
                ExpectedVersion = expected,
                NewVersion = needsVersion ? result.GetValue(version) : null,
                Reason = result.GetValue(reason),
            });
            (change.Succeeded ? ctx.Out : ctx.Error).WriteLine(change.Succeeded ? change.Message : "error: " + change.Message);
            return change.Outcome switch
            {
                AliasChangeOutcome.Applied or AliasChangeOutcome.Unchanged => ExitOk,
                AliasChangeOutcome.Conflict => ExitConflict,
                _ => ExitNotFound,
            };
        }));
        return command;
    }

    private static string Version(int? version) => version?.ToString(CultureInfo.InvariantCulture) ?? "-";

    private static string FormatAliases(IReadOnlyDictionary<string, int> aliases) =>
        string.Join(" ", aliases.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"@{a.Key}={a.Value}"));
}
