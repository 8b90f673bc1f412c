using MLOps.Language.Modules;

namespace MLOps.Language.Tests;

/// <summary>Compiles in-memory sources: <c>main.mlp</c> plus any other modules.</summary>
internal static class TestSources
{
    public static Compilation Compile(string main, params (string Path, string Text)[] others)
    {
        var files = new Dictionary<string, string> { ["main.mlp"] = main };
        foreach (var (path, text) in others)
        {
            files[path] = text;
        }

        return Compilation.FromText("main.mlp", main, new InMemoryModuleResolver(files));
    }

    public static string Codes(Compilation c) => string.Join(",", c.Diagnostics.Select(d => d.Code));

    /// <summary>The draft's whole example (LANGUAGE.md section 1), made to check clean.</summary>
    public const string Churn = """
        // churn.mlp: train, tune and promote a churn model
        import "std/python.mlp" as py

        type EvalMetrics = { accuracy: float, auc: float, loss: float }

        param data: path = "data/churn.csv"

        target hpc = slurm {
          url       = env("SLURM_REST_URL")
          partition = "gpu"
        }

        step prepare(source: path, test_fraction: float = 0.2) -> (train: Dataset, test: Dataset) {
          run   = "python3 prepare.py --in ${source} --test-fraction ${test_fraction} --train ${out.train} --test ${out.test}"
          cache = true
        }

        step fit(train: Dataset, lr: float, epochs: int = 10) -> (model: Model) {
          run       = "python3 train.py --data ${train} --lr ${lr} --epochs ${epochs} --out ${out.model}"
          resources = { cpu: 4, memory: 16GiB, gpu: 1 }
          retry     = { attempts: 3, backoff: 10s, factor: 2.0 }
          timeout   = 2h
          on        = hpc
        }

        step evaluate(model: Model, test: Dataset) -> (metrics: EvalMetrics) {
          run = "python3 evaluate.py --model ${model} --data ${test} --out ${out.metrics}"
        }

        pipeline train(lr: float = 0.001, epochs: int = 10) -> (model: Model, metrics: EvalMetrics) {
          let data   = prepare(source: data)
          let fitted = fit(train: data.train, lr: lr, epochs: epochs)
          let scored = evaluate(model: fitted.model, test: data.test)
          if scored.metrics.auc > 0.7 {
            register fitted.model as "churn" with { metrics: scored.metrics, tags: { team: "growth" } }
          }
          return { model: fitted.model, metrics: scored.metrics }
        }

        sweep tune over train {
          lr     ~ loguniform(1e-5, 1e-1)
          epochs ~ choice(5, 10, 20)
          objective = maximize metrics.auc
          sampler   = tpe { startup_trials: 10 }
          pruner    = asha { metric: "val_loss", mode: min, grace_period: 1, reduction_factor: 3 }
          trials    = 50
          parallel  = 4
        }

        policy promote_churn for model "churn" {
          require candidate.metrics.auc >= 0.85
          require candidate.metrics.auc > champion.metrics.auc + 0.005 else "must beat the champion by 0.5 points"
          require approval from "ml-leads"
          on pass => alias @champion
          on fail => alias @challenger
        }
        """;
}
