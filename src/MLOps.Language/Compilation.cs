using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using MLOps.Language.Binding;
using MLOps.Language.Diagnostics;
using MLOps.Language.Modules;
using MLOps.Language.Parsing;
using MLOps.Language.Syntax;
using MLOps.Language.Text;

namespace MLOps.Language;

/// <summary>
/// One checked program: the entry module and everything it imports, parsed, bound and checked.
/// The front door of the compiler: hosts (CLI, language server, source generator) start here.
/// </summary>
public sealed class Compilation
{
    private Compilation(ModuleSymbol entry, ImmutableArray<ModuleSymbol> modules, ImmutableArray<Diagnostic> diagnostics, SemanticModel model)
    {
        EntryModule = entry;
        Modules = modules;
        Diagnostics = diagnostics;
        Model = model;
    }

    public ModuleSymbol EntryModule { get; }

    /// <summary>Every module, the entry first, then imports in the order they were found.</summary>
    public ImmutableArray<ModuleSymbol> Modules { get; }

    public ImmutableArray<Diagnostic> Diagnostics { get; }

    public SemanticModel Model { get; }

    public bool HasErrors => Diagnostics.Any(d => d.IsError);

    /// <summary>sha256 over every module's path and text: identifies the source a plan came from.</summary>
    public string SourceDigest
    {
        get
        {
            using var sha = SHA256.Create();
            var sb = new StringBuilder();
            foreach (var m in Modules.OrderBy(m => m.Path, StringComparer.Ordinal))
            {
                sb.Append(m.Path).Append('\0').Append(m.File.Text).Append('\0');
            }

            var hash = sha.ComputeHash(Encoding.UTF8.GetBytes(sb.ToString()));
            return "sha256:" + string.Concat(hash.Select(b => b.ToString("x2", System.Globalization.CultureInfo.InvariantCulture)));
        }
    }

    public static Compilation FromFile(string path, IModuleResolver? resolver = null)
    {
        resolver ??= new FileSystemModuleResolver();
        var normalized = FileSystemModuleResolver.Normalize(path);
        var text = resolver.Read(normalized) ?? throw new ArgumentException($"cannot read '{path}'", nameof(path));
        return Create(new SourceFile(normalized, text), resolver);
    }

    public static Compilation FromText(string path, string text, IModuleResolver? resolver = null) =>
        Create(new SourceFile(path, text), resolver ?? new FileSystemModuleResolver());

    /// <summary>Compiles on a thread with a large stack, so deep but valid input (long operator chains) cannot overflow the caller's.</summary>
    public static Compilation Create(SourceFile entryFile, IModuleResolver resolver) => WithLargeStack(() => CreateCore(entryFile, resolver));

    private static Compilation CreateCore(SourceFile entryFile, IModuleResolver resolver)
    {
        var region = NoCollectionRegion.TryEnter(entryFile.Text.Length);
        try
        {
            var diagnostics = new DiagnosticBag();
            var loader = new ModuleLoader(resolver, diagnostics);
            var entry = loader.Load(entryFile);
            var model = new SemanticModel();
            new Binder(loader.Modules, entry, model, diagnostics).BindAll();
            return new Compilation(entry, [.. loader.Modules], diagnostics.ToImmutable(), model);
        }
        finally
        {
            NoCollectionRegion.Exit(region);
        }
    }

    [ThreadStatic]
    private static bool onLargeStack;

    /// <summary>Runs <paramref name="action"/> on a thread with a large stack: deep but valid input must not overflow.</summary>
    public static T WithLargeStack<T>(Func<T> action)
    {
        // Already on one (a host compiling with a large stack of its own): starting a second
        // thread for each compile costs more than checking a small file.
        if (onLargeStack)
        {
            return action();
        }

        T result = default!;
        Exception? error = null;
        var thread = new System.Threading.Thread(
            () =>
            {
                onLargeStack = true;
                try
                {
                    result = action();
                }
                catch (Exception e)
                {
                    error = e;
                }
            },
            256 * 1024 * 1024);
        thread.Start();
        thread.Join();
        if (error is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(error).Throw();
        }

        return result;
    }

    private sealed class ModuleLoader(IModuleResolver resolver, DiagnosticBag diagnostics)
    {
        private readonly Dictionary<string, ModuleSymbol> byPath = new(StringComparer.Ordinal);
        private readonly List<string> loading = [];

        public List<ModuleSymbol> Modules { get; } = [];

        public ModuleSymbol Load(SourceFile file)
        {
            var parsed = SyntaxParser.Parse(file);
            diagnostics.AddRange(parsed.Diagnostics);
            var module = new ModuleSymbol(file.Path, file, parsed.Root);
            byPath[file.Path] = module;
            Modules.Add(module);
            loading.Add(file.Path);
            foreach (var import in parsed.Root.Declarations.OfType<ImportSyntax>())
            {
                LoadImport(module, import);
            }

            loading.RemoveAt(loading.Count - 1);
            return module;
        }

        private void LoadImport(ModuleSymbol from, ImportSyntax import)
        {
            if (!import.Path.IsConstant || import.Path.IsMissing)
            {
                return;
            }

            var written = import.Path.ConstantValue;
            var path = resolver.Resolve(from.Path, written);
            var cycleStart = loading.IndexOf(path);
            if (cycleStart >= 0)
            {
                var chain = string.Join(" -> ", loading.Skip(cycleStart).Concat([path]));
                diagnostics.Report(DiagnosticCatalog.ImportCycle, import.Path.Span, written, chain);
                return;
            }

            if (byPath.TryGetValue(path, out var existing))
            {
                from.ResolvedImports[import] = existing;
                return;
            }

            var text = resolver.Read(path);
            if (text is null)
            {
                var hint = Stdlib.IsStdPath(written)
                    ? "; the standard library has " + string.Join(", ", Stdlib.Modules)
                    : $" (looked for '{path}')";
                var suggestion = Stdlib.IsStdPath(written) ? NameSuggester.Suggest(written, Stdlib.Modules) : null;
                diagnostics.Report(DiagnosticCatalog.ImportNotFound, import.Path.Span, suggestion, [], written, hint);
                return;
            }

            from.ResolvedImports[import] = Load(new SourceFile(path, text));
        }
    }
}
