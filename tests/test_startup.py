"""Start-up stays light: ``import recommender`` and ``recommender --version``/``--help``
import no numpy, scipy, scikit-learn or joblib. Module sets are asserted, never times
(benchmarks/startup.py measures the times).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import recommender
from recommender.version import package_version

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("numpy", "scipy", "sklearn", "joblib")
REPORT = f"import sys; print(sorted(m for m in {HEAVY!r} if m in sys.modules))"


def python(*args: str) -> subprocess.CompletedProcess[str]:
    """Run a fresh interpreter (the test process has long imported everything)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    # -c and -m put the working directory first on sys.path: make it this checkout
    return subprocess.run([sys.executable, *args], env=env, cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=False)


def imported_by(*args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run ``python -X importtime ARGS``; the top-level packages of every module imported."""
    done = python("-X", "importtime", *args)
    modules = {line.rsplit("|", 1)[1].strip().split(".")[0]
               for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "recommender" in modules, done.stderr[-2000:]  # the parse worked
    return done, modules


def test_import_recommender_imports_no_heavy_module() -> None:
    done = python("-c", f"import recommender; {REPORT}")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_using_the_index_does_import_them() -> None:
    # the check above is meaningful: the same probe sees them once the index is touched
    done = python("-c", f"import recommender; recommender.RelatedIndex; {REPORT}")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(sorted(HEAVY))


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["related", "--help"],
                                  ["similar", "--help"], ["build", "--help"],
                                  ["info", "--help"], ["evaluate", "--help"], ["demo", "--help"],
                                  ["update", "--help"], ["tune", "--help"]],
                         ids=" ".join)
def test_cli_version_and_help_import_no_heavy_module(args: list[str]) -> None:
    done, modules = imported_by("-m", "recommender", *args)
    assert done.returncode == 0, done.stderr[-2000:]
    assert not modules & set(HEAVY), sorted(modules & set(HEAVY))
    if args == ["--version"]:
        assert done.stdout == f"recommender {package_version()}\n"
    else:
        assert done.stdout.startswith("Usage: recommender")


def test_import_probe_sees_a_heavy_import() -> None:
    # the -X importtime parse is meaningful: a command that loads an index is seen
    _, modules = imported_by("-c", "import recommender.cli.query as q; q._load")
    assert not modules & set(HEAVY)
    _, modules = imported_by("-c", "from recommender.index.related_index import RelatedIndex")
    assert set(HEAVY) <= modules


def test_lazy_names_are_the_library_objects() -> None:
    from recommender.config.build import BuildConfig
    from recommender.corpus.reader import read_articles
    from recommender.evaluation.harness import evaluate
    from recommender.index.related_index import RelatedIndex
    from recommender.vectorize.vectorizer import ArticleVectorizer

    assert recommender.BuildConfig is BuildConfig
    assert recommender.read_articles is read_articles
    assert recommender.evaluate is evaluate
    assert recommender.RelatedIndex is RelatedIndex
    assert recommender.ArticleVectorizer is ArticleVectorizer
    assert set(recommender.__all__) <= set(dir(recommender))
    namespace: dict[str, object] = {}
    exec("from recommender import *", namespace)  # noqa: S102 - a fixed string
    assert set(recommender.__all__) <= set(namespace)


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'no_such_name'"):
        recommender.no_such_name  # noqa: B018
    assert not hasattr(recommender, "no_such_name")


def test_one_version_function() -> None:
    from recommender.store import directory

    assert directory.package_version is package_version


def test_cli_protocols_match_the_harness() -> None:
    from recommender.cli.evaluate import PROTOCOLS
    from recommender.evaluation.harness import PROTOCOLS as HARNESS

    assert PROTOCOLS == HARNESS


def test_subpackages_resolve_from_the_package_as_before() -> None:
    """``rc.corpus.articles_from_records`` (documented in the README) still works, and an
    unknown name is still an AttributeError."""
    import recommender as rc

    assert rc.corpus.articles_from_records([{"id": "a", "title": "x"}])[0].id == "a"
    assert rc.UnknownLanguageError.__module__ == "recommender.errors"
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        _ = rc.nothing
