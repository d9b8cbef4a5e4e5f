"""Learned rankers as plain arrays: stored in an index without pickle, scored with numpy.

An index must never run code when it is loaded, so a model chosen by cross-validation is
not pickled: its parameters become arrays (:meth:`LearnedRanker.to_arrays`), and
:meth:`LearnedRanker.scores` computes the same probabilities as the scikit-learn
estimator it came from (``tests/test_learn_export.py`` checks it). Two kinds:

- ``linear``: ``StandardScaler`` + ``LogisticRegression``: ``sigmoid(((x - mean) / scale)
  . coef + intercept)``, computed as ``x . (coef / scale) + (intercept - mean . coef /
  scale)``;
- ``trees``: a binary ``HistGradientBoostingClassifier`` on numeric features: the sum of
  each tree's leaf value plus the baseline, through a sigmoid;
- ``blend``: a :class:`~recommender.learn.blend.BlendClassifier` of the two:
  ``(1 - weight) * linear + weight * trees``, their arrays stored under ``linear_`` and
  ``trees_``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from recommender.learn import kernels

KINDS = ("linear", "trees", "blend")


@dataclass(frozen=True, eq=False)
class LearnedRanker:
    """A fitted model as arrays. ``trees``: one row per node of every tree, trees one
    after the other, ``roots`` the first node of each; children are absolute rows."""

    kind: str
    arrays: dict[str, np.ndarray]

    @classmethod
    def from_estimator(cls, estimator: Any) -> LearnedRanker:
        """From a fitted scikit-learn pipeline (scaler + logistic regression) or a binary
        ``HistGradientBoostingClassifier``."""
        if type(estimator).__name__ == "BlendClassifier":
            parts = {"linear": cls.from_estimator(estimator.linear_),
                     "trees": cls.from_estimator(estimator.trees_)}
            if [p.kind for p in parts.values()] != ["linear", "trees"]:
                raise TypeError("a blend exports a linear model and trees")
            arrays = {f"{kind}_{name}": value for kind, part in parts.items()
                      for name, value in part.arrays.items()}
            return cls("blend", {**arrays, "weight": np.asarray([estimator.weight])})
        steps = getattr(estimator, "named_steps", None)
        if steps is not None and "logisticregression" in steps:
            scaler, model = steps["standardscaler"], steps["logisticregression"]
            return cls("linear", {
                "mean": np.asarray(scaler.mean_, dtype=np.float64),
                "scale": np.asarray(scaler.scale_, dtype=np.float64),
                "coef": np.asarray(model.coef_[0], dtype=np.float64),
                "intercept": np.asarray(model.intercept_, dtype=np.float64)})
        if type(estimator).__name__ == "HistGradientBoostingClassifier":
            return cls("trees", _tree_arrays(estimator))
        raise TypeError(f"cannot export a {type(estimator).__name__}: expected a "
                        "StandardScaler + LogisticRegression pipeline, a binary "
                        "HistGradientBoostingClassifier or a BlendClassifier of the two")

    def scores(self, features: np.ndarray) -> np.ndarray:
        """Probability that each row of ``features`` is a related pair."""
        x = np.asarray(features, dtype=np.float64)
        a = self.arrays
        if self.kind == "blend":
            linear, trees = self._parts
            weight = float(a["weight"][0])
            return (1.0 - weight) * linear.scores(x) + weight * trees.scores(x)
        if self.kind == "linear":
            weights, intercept = self._folded
            raw = x @ weights + intercept
        elif kernels.AVAILABLE:  # one compiled walk: ~20 times the numpy walk's speed
            w = self._walk
            if w.complete is not None:
                c = w.complete
                raw = kernels.complete_tree_raw(np.ascontiguousarray(x.T), c.feature,
                                                c.threshold, c.missing_left, c.value,
                                                w.baseline, w.depth)
            else:
                raw = kernels.tree_raw(np.ascontiguousarray(x.T), w.roots, w.node_feature,
                                       w.node_threshold, w.missing_left, w.children,
                                       w.value, w.baseline, w.depth)
        elif np.isnan(x).any():  # pragma: no cover - numba is a dependency
            raw = _tree_raw(a, x)
        else:  # pragma: no cover
            raw = self._walk.raw(x)
        return 1.0 / (1.0 + np.exp(-raw))

    @cached_property
    def _parts(self) -> tuple[LearnedRanker, LearnedRanker]:
        """A blend's linear model and trees."""
        return tuple(LearnedRanker(kind, {name[len(kind) + 1:]: value  # type: ignore[return-value]
                                          for name, value in self.arrays.items()
                                          if name.startswith(f"{kind}_")})
                     for kind in ("linear", "trees"))

    @cached_property
    def _folded(self) -> tuple[np.ndarray, float]:
        """A linear model's scaling folded into its weights: ``x . w + b`` is one pass
        over the features instead of three."""
        a = self.arrays
        weights = a["coef"] / a["scale"]
        return weights, float(a["intercept"][0] - a["mean"] @ weights)

    @cached_property
    def _walk(self) -> _Walk:
        return _Walk.of(self.arrays)

    def to_arrays(self, prefix: str = "learned_") -> dict[str, np.ndarray]:
        return {f"{prefix}{name}": value for name, value in self.arrays.items()}

    @classmethod
    def from_arrays(cls, kind: str, arrays: dict[str, np.ndarray],
                    prefix: str = "learned_") -> LearnedRanker:
        if kind not in KINDS:
            raise ValueError(f"unknown learned ranker {kind!r}; known: {', '.join(KINDS)}")
        return cls(kind, {name[len(prefix):]: np.asarray(value)
                          for name, value in arrays.items() if name.startswith(prefix)})


def _tree_arrays(model: Any) -> dict[str, np.ndarray]:
    if model.n_trees_per_iteration_ != 1:
        raise TypeError("only a binary HistGradientBoostingClassifier can be exported")
    nodes = [predictors[0].nodes for predictors in model._predictors]
    if any(n["is_categorical"].any() for n in nodes):
        raise TypeError("categorical splits cannot be exported")
    offsets = np.cumsum([0] + [len(n) for n in nodes[:-1]]).astype(np.int64)
    every: Any = np.concatenate(nodes)  # a structured array: fields by name

    def absolute(field: str) -> np.ndarray:
        return np.concatenate([n[field].astype(np.int64) + o
                               for n, o in zip(nodes, offsets, strict=True)])

    return {
        "roots": offsets,
        "feature": every["feature_idx"].astype(np.int64),
        "threshold": every["num_threshold"].astype(np.float64),
        "missing_left": every["missing_go_to_left"].astype(bool),
        "left": absolute("left"), "right": absolute("right"),
        "leaf": every["is_leaf"].astype(bool),
        "value": every["value"].astype(np.float64),
        "baseline": np.asarray(model._baseline_prediction, dtype=np.float64).ravel(),
    }


def _tree_raw(a: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """Sum of leaf values over every tree, all trees walked at once level by level."""
    n = len(x)
    node = np.broadcast_to(a["roots"], (n, len(a["roots"]))).copy()
    rows = np.arange(n)[:, None]
    while True:
        inner = ~a["leaf"][node]
        if not inner.any():
            break
        value = x[rows, a["feature"][node]]
        go_left = np.where(np.isnan(value), a["missing_left"][node],
                           value <= a["threshold"][node])
        node = np.where(inner, np.where(go_left, a["left"][node], a["right"][node]), node)
    return a["value"][node].sum(axis=1) + a["baseline"][0]


@dataclass(frozen=True)
class _Walk:
    """The trees prepared for inputs without missing values. Every node's test is
    computed for all inputs at once (one gather and one comparison); then each tree is
    walked a fixed number of steps (the deepest leaf's depth), a step being one lookup in
    those tests and one in a child table where a leaf is its own child on both sides.
    Two flat gathers a step instead of six: about a third of the time of walking the
    nodes' features and thresholds step by step on a 50-pair pool."""

    roots: np.ndarray
    #: the inner nodes' features and thresholds (leaves test nothing)
    feature: np.ndarray
    threshold: np.ndarray
    #: per node: its row among the inner nodes' tests (a leaf: the row of zeros after them)
    test_row: np.ndarray
    #: ``children[2 * node + went_left]``: the next node (a leaf: itself)
    children: np.ndarray
    value: np.ndarray
    baseline: float
    depth: int
    #: every node's feature, threshold and missing-value side (a leaf: feature 0,
    #: threshold 0, either child being itself), for the compiled walk
    node_feature: np.ndarray
    node_threshold: np.ndarray
    missing_left: np.ndarray
    #: the trees made complete, when shallow enough for it (:class:`_Complete`)
    complete: _Complete | None = None

    @classmethod
    def of(cls, a: dict[str, np.ndarray]) -> _Walk:
        leaf = a["leaf"]
        own = np.arange(len(leaf))
        children = np.empty(2 * len(leaf), dtype=np.int64)
        children[0::2] = np.where(leaf, own, a["right"])
        children[1::2] = np.where(leaf, own, a["left"])
        depth = np.zeros(len(leaf), dtype=np.int64)
        for tree_root in a["roots"].tolist():  # depth of each node, root first
            stack = [tree_root]
            while stack:
                node = stack.pop()
                if not leaf[node]:
                    for child in (a["left"][node], a["right"][node]):
                        depth[child] = depth[node] + 1
                        stack.append(int(child))
        deepest = int(depth.max()) if len(depth) else 0
        inner = np.flatnonzero(~leaf)
        test_row = np.full(len(leaf), len(inner), dtype=np.int64)
        test_row[inner] = np.arange(len(inner))
        return cls(roots=a["roots"], feature=a["feature"][inner],
                   threshold=a["threshold"][inner], test_row=test_row, children=children,
                   value=np.ascontiguousarray(a["value"], dtype=np.float64),
                   baseline=float(a["baseline"][0]),
                   depth=deepest,
                   node_feature=np.where(leaf, 0, a["feature"]).astype(np.int64),
                   node_threshold=np.where(leaf, 0.0, a["threshold"]).astype(np.float64),
                   missing_left=np.ascontiguousarray(a["missing_left"], dtype=np.bool_),
                   complete=_Complete.of(a, deepest))

    def raw(self, x: np.ndarray) -> np.ndarray:
        # (inner nodes + a row for leaves, inputs) then flat: gathering whole rows of x.T
        # is the cheap direction; only inner nodes are compared (about half the nodes)
        n = len(x)
        tests = np.zeros((len(self.feature) + 1, n), dtype=bool)
        tests[:-1] = np.ascontiguousarray(x.T)[self.feature] <= self.threshold[:, None]
        flat = tests.ravel()
        offset = np.arange(n)[:, None]
        node = np.broadcast_to(self.roots, (n, len(self.roots))).copy()
        for _ in range(self.depth):
            went_left = flat.take(self.test_row.take(node) * n + offset)
            node = self.children.take(2 * node + went_left)
        return self.value.take(node).sum(axis=1) + self.baseline


#: trees at most this deep are made complete for :func:`~recommender.learn.kernels.
#: complete_tree_raw` (deeper ones would compute tests for many empty branches)
_COMPLETE_DEPTH = 4


@dataclass(frozen=True)
class _Complete:
    """Trees in heap order, every leaf at the same depth: node ``k``'s children are
    ``2k + 1`` (left) and ``2k + 2``; ``(trees, 2 ** depth - 1)`` tests and
    ``(trees, 2 ** depth)`` leaf values."""

    feature: np.ndarray
    threshold: np.ndarray
    missing_left: np.ndarray
    value: np.ndarray

    @classmethod
    def of(cls, a: dict[str, np.ndarray], depth: int) -> _Complete | None:
        if depth > _COMPLETE_DEPTH or not len(a["roots"]):
            return None
        trees, tests = len(a["roots"]), 2 ** depth - 1
        feature = np.zeros((trees, tests), dtype=np.int64)
        threshold = np.zeros((trees, tests), dtype=np.float64)
        missing_left = np.zeros((trees, tests), dtype=np.bool_)
        value = np.zeros((trees, tests + 1), dtype=np.float64)
        for t, root in enumerate(a["roots"].tolist()):
            stack = [(root, 0, 0)]  # (node, heap position, depth)
            while stack:
                node, k, d = stack.pop()
                if a["leaf"][node]:  # every leaf below position k takes its value
                    first = (k + 1) * 2 ** (depth - d) - 1 - tests
                    value[t, first:first + 2 ** (depth - d)] = a["value"][node]
                    continue
                feature[t, k] = a["feature"][node]
                threshold[t, k] = a["threshold"][node]
                missing_left[t, k] = a["missing_left"][node]
                stack += [(int(a["left"][node]), 2 * k + 1, d + 1),
                          (int(a["right"][node]), 2 * k + 2, d + 1)]
        return cls(feature, threshold, missing_left, value)
