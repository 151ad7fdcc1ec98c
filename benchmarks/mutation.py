"""Mutation testing of the engine: does the fast test suite notice when the code is wrong?

mutmut (3.x; ``pip install -e '.[mutation]'``) rewrites one operator, constant or call at a time
in the modules listed under ``[tool.mutmut] only_mutate`` in pyproject.toml (regularisers,
costs, initialisers, dropout, dense, pooling, optimisers, the training loop, Sequential,
gradcheck) and runs the fast engine tests named there against each mutant. A mutant the tests
still pass is a "survivor": either an equivalent change (same behaviour) or a gap in the tests.
docs/testing.md lists the last run's score and its survivors, explained.

    python benchmarks/mutation.py               # run (resumable: mutmut caches verdicts in mutants/)
    python benchmarks/mutation.py --report      # score + survivors of the last run, no running
    python benchmarks/mutation.py --show NAME   # the diff of one mutant

Not in CI: on two cores it takes tens of minutes. It runs under ``nice -n 10`` with one BLAS
thread per worker. mutmut imports nndl from its mutated copy (mutants/); the editable install's
import hook would win over that, so the run uses .venv-mut, a venv that sees .venv's packages
through a path entry but not its .pth hooks.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MUT_VENV = REPO / ".venv-mut"


def mutation_python() -> str:
    """.venv-mut/bin/python, made on first use: this interpreter's packages without its .pth hooks."""
    py = MUT_VENV / "bin" / "python"
    if not py.exists():
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(MUT_VENV)], check=True)
        site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                              check=True, capture_output=True, text=True).stdout.strip()
        Path(site, "_parent_venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return str(py)


def mutmut(*args, capture=False):
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env.setdefault("NNDL_DATA_DIR", str(REPO.parent / "shared" / "data" / "mnist"))
    cmd = ["nice", "-n", "10", mutation_python(), "-m", "mutmut", *args]
    return subprocess.run(cmd, cwd=REPO, env=env, text=True, capture_output=capture)


def report() -> dict:
    """Counts by status from mutmut's own export, and the survivors' names."""
    r = mutmut("export-cicd-stats", capture=True)
    if r.returncode != 0:
        sys.exit(r.stderr or r.stdout)
    stats = json.loads((REPO / "mutants" / "mutmut-cicd-stats.json").read_text())
    survivors = mutmut("results", capture=True).stdout.split("\n")
    stats["survivors"] = [s.split(":")[0].strip() for s in survivors if s.strip().endswith("survived")]
    done = stats["killed"] + stats["survived"] + stats.get("timeout", 0) + stats.get("suspicious", 0)
    stats["score_all"] = (stats["killed"] + stats.get("timeout", 0)) / done if done else float("nan")
    return stats


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--report", action="store_true", help="only report the last run")
    ap.add_argument("--show", metavar="MUTANT", help="print one mutant's diff")
    ap.add_argument("--max-children", type=int, default=2, help="parallel test workers (default 2)")
    ap.add_argument("mutants", nargs="*", help="run only these mutants (names or globs)")
    a = ap.parse_args(argv)
    if a.show:
        return mutmut("show", a.show).returncode
    if not a.report:
        r = mutmut("run", "--max-children", str(a.max_children), *a.mutants)
        if r.returncode != 0:
            return r.returncode
    stats = report()
    print(json.dumps({k: v for k, v in stats.items() if k != "survivors"}, indent=1))
    print(f"score (killed / ran, before removing equivalent mutants): {stats['score_all']:.1%}")
    print("survivors:", *stats["survivors"], sep="\n  ")
    return 0


if __name__ == "__main__":
    sys.exit(main())
