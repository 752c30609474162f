"""PLS path modelling: the estimator behind the ACSI and ECSI satisfaction indices.

A *block* is a latent construct (Image, Quality, Satisfaction, ...) measured by a few survey items;
*paths* are directed links between constructs. The algorithm is Lohmöller's (1989) version of
Wold's PLS (as described by Tenenhaus et al. 2005):

1. standardize every indicator (mean 0, variance 1; divisor n);
2. start from outer weights of 1 in every block;
3. outer estimate Y_j = X_j w_j, scaled to unit variance;
4. inner estimate Z_j = sum_i e_ji Y_i over the constructs adjacent to j, with the *path weighting*
   scheme: e_ji is the coefficient of Y_i in the regression of Y_j on its predecessors when i -> j,
   and corr(Y_j, Y_i) when j -> i (centroid: sign of the correlation; factorial: the correlation);
5. Mode A: w_j = cov(X_j, Z_j) (one simple regression per item); Mode B: the multiple regression of
   Z_j on X_j; then rescale w_j so that Y_j has unit variance;
6. repeat 3-5 until no weight moves by more than ``tol``;
7. path coefficients: OLS of each endogenous score on its predecessors' scores.

Rows with a missing item are dropped (listwise deletion) before anything is estimated; the result
reports how many were used.

The 0-100 index scores follow the ACSI/ECSI convention (Fornell et al. 1996): the weights
are brought back to the items' original units (w_h / s_h), normalised to sum to one, and applied
to the items rescaled to 0-100 by their scale bounds.

References
----------
Lohmöller, J.-B. (1989). *Latent Variable Path Modeling with Partial Least Squares*. Physica.
Tenenhaus, M., Esposito Vinzi, V., Chatelin, Y.-M. & Lauro, C. (2005). PLS path modeling.
    Computational Statistics & Data Analysis 48(1), 159-205.
Fornell, C., Johnson, M. D., Anderson, E. W., Cha, J. & Bryant, B. E. (1996). The American
    Customer Satisfaction Index: nature, purpose, and findings. Journal of Marketing 60(4), 7-18.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

SCHEMES = ("path", "centroid", "factorial")
MODES = ("A", "B")


@dataclass(frozen=True)
class _Estimates:
    weights: dict[str, np.ndarray]          # on standardized items, Var(Y_j) = 1
    scores: np.ndarray                      # n x J standardized construct scores
    path_matrix: np.ndarray                 # J x J, [source, target]
    r_squared: np.ndarray                   # J (NaN for exogenous)
    loadings: dict[str, np.ndarray]
    iterations: int


class PLSPathModel:
    """A PLS path model: blocks of items, a recursive path diagram between the blocks.

    Parameters
    ----------
    data : DataFrame
        One row per respondent; must hold every item named in ``blocks``.
    blocks : dict[str, list[str]]
        Construct name -> its items (manifest variables).
    paths : list[tuple[str, str]]
        Directed (source, target) links; the diagram must have no cycle.
    mode : "A", "B" or dict
        Outer estimation mode, for all blocks or per block (default Mode A, reflective).
    scheme : "path", "centroid" or "factorial"
        Inner weighting scheme (default the path weighting scheme).
    scale : (min, max) or dict[str, (min, max)], optional
        Bounds of the answer scale, for the 0-100 index; default: the observed range per item.
    tol, max_iter :
        Convergence: stop when no outer weight moves by more than ``tol``.

    References
    ----------
    Tenenhaus, M. et al. (2005). PLS path modeling. CSDA 48(1), 159-205.
    """

    def __init__(self, data: pd.DataFrame, blocks: dict[str, list[str]], paths: list[tuple[str, str]],
                 mode: str | dict[str, str] = "A", scheme: str = "path",
                 scale: tuple[float, float] | dict[str, tuple[float, float]] | None = None,
                 tol: float = 1e-7, max_iter: int = 300):
        if scheme not in SCHEMES:
            raise ValueError(f"scheme must be one of {SCHEMES}, not {scheme!r}")
        self.constructs = list(blocks)
        self.blocks = {name: list(items) for name, items in blocks.items()}
        self.paths = [(str(s), str(t)) for s, t in paths]
        for source, target in self.paths:
            for end in (source, target):
                if end not in self.blocks:
                    raise ValueError(f"path ({source!r}, {target!r}) names {end!r}, which has no block")
        self.modes = {name: (mode.get(name, "A") if isinstance(mode, dict) else mode) for name in blocks}
        for name, block_mode in self.modes.items():
            if block_mode not in MODES:
                raise ValueError(f"mode of block {name!r} must be 'A' or 'B', not {block_mode!r}")
        self.scheme = scheme
        self.tol, self.max_iter = float(tol), int(max_iter)
        self.items = [item for name in self.constructs for item in self.blocks[name]]
        missing = [item for item in self.items if item not in data.columns]
        if missing:
            raise ValueError(f"items not in the data: {missing}")

        index = {name: j for j, name in enumerate(self.constructs)}
        adjacency = np.zeros((len(index), len(index)), dtype=bool)
        for source, target in self.paths:
            adjacency[index[source], index[target]] = True
        self._check_acyclic(adjacency)
        self.adjacency = adjacency

        items = data[self.items].apply(pd.to_numeric, errors="raise").astype(float)
        complete = items.notna().all(axis=1)
        self.n_total = len(items)
        # rows in a canonical order (sorted by their answers): sums, and the rows a seeded bootstrap
        # draws, are then the same whatever the order of the input rows
        self.input_index = items.index[complete]
        self.raw = items.loc[complete].sort_values(self.items, kind="stable")
        self.nobs = len(self.raw)
        if self.nobs < 3:
            raise ValueError(f"only {self.nobs} complete rows; PLS needs more")
        if scale is None:
            bounds = {item: (float(self.raw[item].min()), float(self.raw[item].max())) for item in self.items}
        elif isinstance(scale, dict):
            bounds = {item: tuple(map(float, scale[item])) for item in self.items}
        else:
            bounds = {item: (float(scale[0]), float(scale[1])) for item in self.items}
        self.scale_bounds = bounds

    @staticmethod
    def _check_acyclic(adjacency: np.ndarray) -> None:
        remaining = adjacency.copy()
        alive = np.ones(len(adjacency), dtype=bool)
        while alive.any():
            no_incoming = alive & ~remaining[alive].any(axis=0)
            if not no_incoming.any():
                raise ValueError("the path diagram has a cycle; PLS path models must be recursive")
            alive &= ~no_incoming
            remaining[no_incoming, :] = False

    # -- estimation ------------------------------------------------------------------------------
    def _estimate(self, raw: np.ndarray) -> _Estimates:
        n = raw.shape[0]
        std = raw.std(axis=0)
        if (std == 0).any():
            constant = [self.items[k] for k in np.flatnonzero(std == 0)]
            raise ValueError(f"items without variance: {constant}")
        standardized = (raw - raw.mean(axis=0)) / std
        columns = {}
        start = 0
        for name in self.constructs:
            columns[name] = slice(start, start + len(self.blocks[name]))
            start += len(self.blocks[name])
        blocks = {name: standardized[:, cols] for name, cols in columns.items()}
        weights = {name: self._unit_variance(blocks[name], np.ones(blocks[name].shape[1]))
                   for name in self.constructs}
        n_constructs = len(self.constructs)
        predecessors = [np.flatnonzero(self.adjacency[:, j]) for j in range(n_constructs)]
        for iteration in range(1, self.max_iter + 1):
            scores = np.column_stack([blocks[name] @ weights[name] for name in self.constructs])
            inner = scores @ self._inner_weights(scores, predecessors)
            new_weights = {}
            for j, name in enumerate(self.constructs):
                x = blocks[name]
                if self.modes[name] == "A":
                    direction = x.T @ inner[:, j] / n
                else:
                    direction = np.linalg.lstsq(x, inner[:, j], rcond=None)[0]
                new_weights[name] = self._unit_variance(x, direction)
            change = max(np.max(np.abs(new_weights[name] - weights[name])) for name in self.constructs)
            weights = new_weights
            if change < self.tol:
                break
        else:
            raise RuntimeError(f"PLS did not converge in {self.max_iter} iterations (last change {change:.2e})")

        # the sign of a composite is arbitrary: orient each so that its items load positively on
        # the whole (Lohmöller 1989)
        for name in self.constructs:
            x = blocks[name]
            if np.sum(x.T @ (x @ weights[name])) < 0:
                weights[name] = -weights[name]
        scores = np.column_stack([blocks[name] @ weights[name] for name in self.constructs])
        path_matrix = np.zeros((n_constructs, n_constructs))
        r_squared = np.full(n_constructs, np.nan)
        for j, preds in enumerate(predecessors):
            if preds.size:
                coefficients = np.linalg.lstsq(scores[:, preds], scores[:, j], rcond=None)[0]
                path_matrix[preds, j] = coefficients
                residual = scores[:, j] - scores[:, preds] @ coefficients
                r_squared[j] = 1.0 - residual @ residual / (scores[:, j] @ scores[:, j])
        loadings = {name: blocks[name].T @ scores[:, j] / n for j, name in enumerate(self.constructs)}
        return _Estimates(weights, scores, path_matrix, r_squared, loadings, iteration)

    @staticmethod
    def _unit_variance(x: np.ndarray, direction: np.ndarray) -> np.ndarray:
        return direction / np.sqrt(np.mean((x @ direction) ** 2))

    def _inner_weights(self, scores: np.ndarray, predecessors: list[np.ndarray]) -> np.ndarray:
        """E[i, j]: weight of Y_i in the inner estimate Z_j (columns are targets)."""
        n, n_constructs = scores.shape
        correlation = scores.T @ scores / n
        adjacent = self.adjacency | self.adjacency.T
        if self.scheme == "centroid":
            return np.where(adjacent, np.sign(correlation), 0.0)
        if self.scheme == "factorial":
            return np.where(adjacent, correlation, 0.0)
        inner = np.zeros((n_constructs, n_constructs))
        for j in range(n_constructs):
            successors = np.flatnonzero(self.adjacency[j, :])
            inner[successors, j] = correlation[successors, j]
            preds = predecessors[j]
            if preds.size:
                inner[preds, j] = np.linalg.solve(correlation[np.ix_(preds, preds)], correlation[preds, j])
        return inner

    def fit(self, bootstrap: int = 0, seed: int | None = None, level: float = 0.95) -> PLSPathResults:
        """Estimate the model; with ``bootstrap`` > 0, resample respondents that many times.

        The bootstrap draws rows with replacement from the complete cases using
        ``numpy.random.default_rng(seed)``: the same seed gives the same intervals, bit for bit.
        Standard errors are the standard deviation of the replicates (divisor B - 1); intervals are
        the percentile intervals at ``level``.
        """
        raw = self.raw.to_numpy()
        estimates = self._estimate(raw)
        replicates = None
        if bootstrap:
            if seed is None:
                raise ValueError("a bootstrap needs a seed, so that its intervals can be reproduced")
            rng = np.random.default_rng(seed)
            rows = []
            for _ in range(int(bootstrap)):
                sample = raw[rng.integers(0, self.nobs, self.nobs)]
                rows.append(_flatten(self, self._estimate(sample)))
            replicates = pd.DataFrame(np.vstack(rows), columns=pd.MultiIndex.from_tuples(_layout(self)))
        return PLSPathResults(self, estimates, replicates, level)


def _total_effects(path_matrix: np.ndarray) -> np.ndarray:
    """Sum over all directed chains of products of path coefficients: (I - B)^-1 - I."""
    identity = np.eye(len(path_matrix))
    return np.linalg.inv(identity - path_matrix) - identity


def _reachable(adjacency: np.ndarray) -> np.ndarray:
    """[i, j] true when a directed chain leads from i to j (transitive closure)."""
    reach = adjacency.copy()
    for k in range(len(reach)):
        reach |= np.outer(reach[:, k], reach[k, :])
    return reach


def _layout(model: PLSPathModel) -> list[tuple[str, str, str]]:
    """The keys (kind, first, second) of one flat record of estimates, fixed by the model."""
    reach = _reachable(model.adjacency)
    keys = [("path", s, t) for s, t in model.paths]
    keys += [("total", s, t) for i, s in enumerate(model.constructs) for j, t in enumerate(model.constructs)
             if reach[i, j]]
    for kind in ("loading", "weight"):
        keys += [(kind, name, item) for name in model.constructs for item in model.blocks[name]]
    keys += [("r_squared", name, "") for j, name in enumerate(model.constructs) if model.adjacency[:, j].any()]
    return keys


def _flatten(model: PLSPathModel, estimates: _Estimates) -> np.ndarray:
    """One set of estimates as a flat vector in the order of :func:`_layout`."""
    index = {name: j for j, name in enumerate(model.constructs)}
    total = _total_effects(estimates.path_matrix)
    reach = _reachable(model.adjacency)
    parts = [
        np.array([estimates.path_matrix[index[s], index[t]] for s, t in model.paths]),
        total[reach],  # row-major, as the layout lists (source, target) pairs
        np.concatenate([estimates.loadings[name] for name in model.constructs]),
        np.concatenate([estimates.weights[name] for name in model.constructs]),
        estimates.r_squared[model.adjacency.any(axis=0)],
    ]
    return np.concatenate(parts)


@dataclass
class PLSPathResults:
    """Estimates of a fitted :class:`PLSPathModel`.

    Attributes
    ----------
    path_coefficients : Series indexed by (source, target)
    total_effects : Series indexed by (source, target), every pair joined by a directed chain
    outer_loadings, outer_weights : Series indexed by (construct, item); weights are on the
        standardized items and give scores of unit variance
    r_squared : Series indexed by endogenous construct
    scores : DataFrame of standardized construct scores (mean 0, variance 1, divisor n)
    index_scores : DataFrame of 0-100 index scores per respondent (ACSI/ECSI rescaling)
    bootstrap : DataFrame of replicates (one row each) or None
    """

    model: PLSPathModel
    estimates: _Estimates
    replicates: pd.DataFrame | None
    level: float = 0.95
    path_coefficients: pd.Series = field(init=False)
    total_effects: pd.Series = field(init=False)
    outer_loadings: pd.Series = field(init=False)
    outer_weights: pd.Series = field(init=False)
    r_squared: pd.Series = field(init=False)
    scores: pd.DataFrame = field(init=False)
    index_weights: pd.Series = field(init=False)
    index_scores: pd.DataFrame = field(init=False)

    def __post_init__(self):
        model, est = self.model, self.estimates
        flat = pd.Series(_flatten(model, est), index=pd.MultiIndex.from_tuples(_layout(model)))
        self._flat = flat
        pairs = lambda kind: pd.Series(
            flat[kind].to_numpy(), index=pd.MultiIndex.from_tuples(list(flat[kind].index), names=self._names(kind)),
            name=kind)
        self.path_coefficients = pairs("path").rename("path_coefficient")
        self.total_effects = pairs("total").rename("total_effect")
        self.outer_loadings = pairs("loading").rename("loading")
        self.outer_weights = pairs("weight").rename("weight")
        r2 = flat["r_squared"]
        self.r_squared = pd.Series(r2.to_numpy(), index=pd.Index([k[0] for k in r2.index], name="construct"),
                                   name="r_squared")
        self.scores = pd.DataFrame(est.scores, index=model.raw.index,
                                   columns=model.constructs).reindex(model.input_index)
        self.index_weights, self.index_scores = self._index_scores()
        self.index_scores = self.index_scores.reindex(model.input_index)
        self.iterations = est.iterations
        self.nobs = model.nobs
        self.n_dropped = model.n_total - model.nobs

    @staticmethod
    def _names(kind: str) -> list[str]:
        return ["construct", "item"] if kind in ("loading", "weight") else ["source", "target"]

    def _index_scores(self) -> tuple[pd.Series, pd.DataFrame]:
        model = self.model
        sd = model.raw.std(ddof=0)
        weights, columns = {}, {}
        for name in model.constructs:
            items = model.blocks[name]
            raw_weights = np.array([self.outer_weights[(name, item)] / sd[item] for item in items])
            normalised = raw_weights / raw_weights.sum()
            rescaled = np.column_stack([
                (model.raw[item] - model.scale_bounds[item][0])
                / (model.scale_bounds[item][1] - model.scale_bounds[item][0]) * 100.0 for item in items])
            columns[name] = rescaled @ normalised
            for item, w in zip(items, normalised):
                weights[(name, item)] = w
        index = pd.MultiIndex.from_tuples(list(weights), names=["construct", "item"])
        return (pd.Series(list(weights.values()), index=index, name="index_weight"),
                pd.DataFrame(columns, index=model.raw.index))

    @property
    def index_means(self) -> pd.Series:
        """Mean 0-100 index per construct (the published satisfaction index)."""
        return self.index_scores.mean().rename("index")

    def _bootstrap_table(self, kind: str, estimates: pd.Series) -> pd.DataFrame:
        if self.replicates is None:
            raise ValueError("fit(bootstrap=B, seed=...) first: no bootstrap replicates")
        columns = [c for c in self.replicates.columns if c[0] == kind]
        draws = self.replicates[columns].to_numpy()
        alpha = 1.0 - self.level
        table = pd.DataFrame({
            "estimate": estimates.to_numpy(),
            "std_error": draws.std(axis=0, ddof=1),
            "lower": np.quantile(draws, alpha / 2, axis=0),
            "upper": np.quantile(draws, 1 - alpha / 2, axis=0),
        }, index=estimates.index)
        return table

    @property
    def path_table(self) -> pd.DataFrame:
        """Path coefficients with bootstrap standard errors and percentile intervals."""
        return self._bootstrap_table("path", self.path_coefficients)

    @property
    def total_effect_table(self) -> pd.DataFrame:
        return self._bootstrap_table("total", self.total_effects)

    @property
    def loading_table(self) -> pd.DataFrame:
        return self._bootstrap_table("loading", self.outer_loadings)

    @property
    def weight_table(self) -> pd.DataFrame:
        return self._bootstrap_table("weight", self.outer_weights)

    def summary(self) -> str:
        """Plain-text summary: paths (with bootstrap intervals when run), R², loadings, indices."""
        header = (f"PLS path model: {len(self.model.constructs)} constructs, {len(self.model.paths)} paths, "
                  f"scheme={self.model.scheme}, n={self.nobs} complete rows ({self.n_dropped} dropped), "
                  f"{self.iterations} iterations")
        lines = [header]
        paths = self.path_table if self.replicates is not None else self.path_coefficients.to_frame()
        lines += ["", "Path coefficients", paths.round(4).to_string(), "",
                  "R-squared", self.r_squared.round(4).to_string(), "",
                  "Outer loadings and weights",
                  pd.concat([self.outer_loadings, self.outer_weights], axis=1).round(4).to_string(), "",
                  "Index (0-100)", self.index_means.round(2).to_string()]
        return "\n".join(lines)
