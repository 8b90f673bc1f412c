using MLOps.Tracking.Registry;
using MLOps.Tracking.Sqlite;

// Test helper: moves an alias MOVES times with compare-and-swap, retrying on conflict, and prints
// how many moves it applied. Usage: AliasMover DB MODEL ALIAS VERSIONS MOVES ACTOR
if (args.Length != 6)
{
    Console.Error.WriteLine("usage: AliasMover DB MODEL ALIAS VERSIONS MOVES ACTOR");
    return 2;
}

var (db, model, alias, versions, moves, actor) = (args[0], args[1], args[2], int.Parse(args[3]), int.Parse(args[4]), args[5]);
await using var registry = SqliteModelRegistry.Open(db);
var applied = 0;
var conflicts = 0;
while (applied < moves)
{
    var current = (await registry.ResolveAliasAsync(model, alias))?.Version;
    var target = ((current ?? 0) % versions) + 1;
    var result = await registry.ChangeAliasAsync(new AliasChange
    {
        Model = model,
        Alias = alias,
        ExpectedVersion = current,
        NewVersion = target,
        Actor = actor,
        Reason = $"move {applied + 1}",
    });
    switch (result.Outcome)
    {
        case AliasChangeOutcome.Applied:
            applied++;
            break;
        case AliasChangeOutcome.Conflict:
            conflicts++;
            break;
        default:
            Console.Error.WriteLine($"unexpected: {result.Outcome} {result.Message}");
            return 1;
    }
}

Console.WriteLine($"{applied} {conflicts}");
return 0;
