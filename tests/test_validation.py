"""The one k check, and the helper modules' promise to import nothing heavy."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from recommender.evaluation.harness import evaluate
from recommender.evaluation.metrics import precision_at_k
from recommender.index.related_index import RelatedIndex
from recommender.records import Article
from recommender.validation import KTypeError, check_k


@pytest.mark.parametrize("k", [1, 10, np.int64(5), np.uint8(3)])
def test_integers_pass_as_plain_ints(k) -> None:
    checked = check_k(k)
    assert checked == k and type(checked) is int


@pytest.mark.parametrize("k", [0, -3, np.int32(0)])
def test_below_one_is_a_value_error_naming_the_value(k) -> None:
    with pytest.raises(ValueError, match=rf"^expected k >= 1, got k={int(k)}$") as info:
        check_k(k)
    assert not isinstance(info.value, TypeError)


@pytest.mark.parametrize("k", [True, False, 5.0, 2.5, "3", None, np.float64(4)])
def test_non_integers_are_both_type_and_value_errors(k) -> None:
    with pytest.raises(KTypeError) as info:
        check_k(k)
    assert str(info.value) == f"expected an integer k >= 1, got k={k!r}"
    assert isinstance(info.value, TypeError) and isinstance(info.value, ValueError)


def test_the_name_appears_in_the_message() -> None:
    with pytest.raises(ValueError, match=r"expected n_neighbors >= 1, got n_neighbors=0"):
        check_k(0, "n_neighbors")


def test_metrics_and_harness_share_the_check() -> None:
    with pytest.raises(ValueError, match=r"^expected k >= 1, got k=0$"):
        precision_at_k(["a"], {"a"}, 0)
    arts = [Article(id="a", title="pomme poire", related=("b",)),
            Article(id="b", title="pomme poire kiwi")]
    index = RelatedIndex.build(arts)
    with pytest.raises(ValueError, match=r"^expected ks\[1\] >= 1, got ks\[1\]=0$"):
        evaluate(index, arts, k=2, ks=(1, 0))
    with pytest.raises(KTypeError, match=r"got k=2\.0"):
        evaluate(index, arts, k=2.0, ks=(1,))  # type: ignore[arg-type]


def test_helper_modules_import_without_numpy() -> None:
    """The lead switches index/ and search/ to these: they must stay cheap to import."""
    package = Path(__file__).resolve().parents[1] / "recommender"
    code = (
        "import sys, types\n"
        # the package without its __init__ (which imports the whole engine)
        f"pkg = types.ModuleType('recommender'); pkg.__path__ = [{str(package)!r}]\n"
        "sys.modules['recommender'] = pkg\n"
        "import recommender.validation, recommender.progress, recommender.store.atomic\n"
        "import recommender.corpus.formats\n"
        "heavy = [m for m in ('numpy', 'scipy', 'sklearn', 'joblib') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
