"""Shared machinery of the buy-till-you-die likelihood models.

Each model is a ``statsmodels`` ``GenericLikelihoodModel`` whose parameters are estimated on the log
scale (all are positive), so the optimiser is unconstrained; results are reported on the natural
scale with delta-method standard errors. Customers with identical (frequency, recency, T[, spend])
rows are fitted once with a frequency weight: the likelihood, its derivatives and hence the
standard errors are unchanged, while ``nobs`` stays the number of customers.
"""

from __future__ import annotations

import warnings
from typing import ClassVar

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.base.model import GenericLikelihoodModel
from statsmodels.tools.sm_exceptions import ConvergenceWarning


def distinct_pairs(a: np.ndarray, b: np.ndarray) -> tuple[tuple[np.ndarray, np.ndarray], np.ndarray]:
    """The distinct (a, b) pairs and, for each row, the index of its pair: a function of two
    columns evaluated on the pairs and gathered back gives the same values as row by row."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if not (np.isnan(a).any() or np.isnan(b).any()):
        # a hash of a + bi: linear time, where sorting the pairs is n log n (pandas counts a
        # complex number with a NaN part as missing, hence the sort below for those)
        inverse, pairs = pd.factorize(a + 1j * b)
        return (pairs.real.copy(), pairs.imag.copy()), inverse
    order = np.lexsort((b, a))
    a_sorted, b_sorted = a[order], b[order]
    starts = np.ones(a.size, bool)
    starts[1:] = (a_sorted[1:] != a_sorted[:-1]) | (b_sorted[1:] != b_sorted[:-1])
    inverse = np.empty(a.size, np.intp)
    inverse[order] = np.cumsum(starts) - 1
    return (a_sorted[starts], b_sorted[starts]), inverse


def on_distinct(function, values: np.ndarray, distinct: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """``function(values)`` computed once per distinct value when ``distinct`` (the distinct values
    and each row's index into them, as from ``np.unique(values, return_inverse=True)``) is given:
    a likelihood's gammaln, betaln and log terms of x or of T alone, where rows share a few hundred
    values."""
    if distinct is None:
        return function(values)
    unique, inverse = distinct
    return function(unique)[inverse]


def on_distinct_pairs(function, a, b) -> np.ndarray:
    """``function(a, b)`` computed once per distinct (a, b) pair of two equal-length columns."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    if a.ndim != 1 or a.shape != b.shape:
        return function(a, b)
    (pair_a, pair_b), inverse = distinct_pairs(a, b)
    return function(pair_a, pair_b)[inverse]


def compress_rows(columns: dict[str, np.ndarray], weights: np.ndarray | None) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Unique rows of the given columns and how many customers (or how much weight) each holds."""
    names = list(columns)
    frame = pd.DataFrame({name: np.asarray(columns[name], dtype=float) for name in names})
    frame["_w"] = 1.0 if weights is None else np.asarray(weights, dtype=float)
    grouped = frame.groupby(names, sort=True, as_index=False)["_w"].sum()
    return {name: grouped[name].to_numpy() for name in names}, grouped["_w"].to_numpy()


class LogScaleLikelihoodModel(GenericLikelihoodModel):
    """A likelihood model of positive parameters, fitted on their logarithms, with frequency weights.

    Subclasses set ``param_names`` and implement ``_loglik(params)`` returning the per-row
    log-likelihood for natural-scale ``params`` on ``self.data_columns``.
    """

    param_names: ClassVar[tuple[str, ...]] = ()
    natural_results: ClassVar[type | None] = None  # BTYDResults or a subclass

    def __init__(self, columns: dict[str, np.ndarray], weights=None, compress: bool = True, **kwargs):
        columns = {k: np.asarray(v, dtype=float) for k, v in columns.items()}
        n = len(next(iter(columns.values())))
        if weights is not None and len(weights) != n:
            raise ValueError(f"weights has {len(weights)} values for {n} rows")
        if compress:
            columns, weights = compress_rows(columns, weights)
        elif weights is None:
            weights = np.ones(n)
        self.data_columns = columns
        self.freq_weights = np.asarray(weights, dtype=float)
        endog = next(iter(columns.values()))
        super().__init__(endog, exog=np.ones((len(endog), 1)), **kwargs)
        self.exog_names[:] = ["const"]
        # statsmodels' degrees of freedom and information criteria count customers, not rows
        self.nobs = float(self.freq_weights.sum())
        self.k_params = len(self.param_names)
        self.df_model = self.k_params
        self.df_resid = self.nobs - self.k_params
        self.data.xnames = [f"log_{name}" for name in self.param_names]

    # statsmodels calls these with the log-scale parameter vector
    def loglikeobs(self, log_params):
        return self.freq_weights * self._loglik(np.exp(np.asarray(log_params, dtype=float)))

    def loglike(self, log_params):
        values = self.loglikeobs(log_params)
        return float(np.sum(values)) if np.all(np.isfinite(values)) else -np.inf

    def _loglik(self, params: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    # Models that know their gradient define ``_score(params)``: per-row derivatives of the
    # log-likelihood with respect to the natural parameters (rows × k). The optimiser then uses the
    # exact score, and the Hessian is the numerical derivative of that score (k + 1 score
    # evaluations instead of O(k²) likelihood evaluations).
    _score = None

    def score_obs(self, log_params):
        if self._score is None:
            return super().score_obs(log_params)
        params = np.exp(np.asarray(log_params, dtype=float))
        return self.freq_weights[:, None] * self._score(params) * params[None, :]

    def score(self, log_params):
        if self._score is None:
            return super().score(log_params)
        return self.score_obs(log_params).sum(axis=0)

    def hessian(self, log_params):
        if self._score is None:
            return super().hessian(log_params)
        from statsmodels.tools.numdiff import approx_fprime

        hess = approx_fprime(np.asarray(log_params, dtype=float), self.score, centered=True)
        return (hess + hess.T) / 2

    def start_params_natural(self) -> np.ndarray:
        return np.ones(len(self.param_names))

    def fit(self, start_params=None, method: str = "bfgs", maxiter: int = 2000, disp: bool = False, **kwargs):
        """Maximum likelihood; returns results on the natural scale (see :class:`BTYDResults`).

        ``start_params`` are natural-scale values. When the first optimiser does not converge,
        Nelder–Mead then BFGS are tried from its end point; a fit that still has not converged
        warns (ConvergenceWarning) and says so in ``results.converged``.
        """
        start = np.log(self.start_params_natural() if start_params is None else np.asarray(start_params, float))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            # statsmodels checks df against unique rows; ours count customers on purpose
            warnings.filterwarnings("ignore", message="df_", category=UserWarning)
            fitted = super().fit(start_params=start, method=method, maxiter=maxiter, disp=disp, **kwargs)
            if not fitted.mle_retvals.get("converged", False):
                polished = super().fit(start_params=fitted.params, method="nm", maxiter=20000, disp=disp)
                fitted = super().fit(start_params=polished.params, method="bfgs", maxiter=maxiter, disp=disp)
            # BFGS stops on a small gradient; these likelihoods are flat near the optimum, so a few
            # Newton steps (numerical Hessian) pin the estimate down to the published rounding.
            newton = None
            if fitted.mle_retvals.get("converged", False):
                try:
                    newton = super().fit(start_params=fitted.params, method="newton", maxiter=10, tol=1e-6, disp=disp)
                except np.linalg.LinAlgError:  # a flat direction: the Hessian is singular, keep BFGS's answer
                    newton = None
            if newton is not None and np.isfinite(newton.llf) and newton.llf >= fitted.llf - 1e-9:
                retvals = newton.mle_retvals
                score = retvals.get("score")
                if not retvals.get("converged", False) and score is not None and np.max(np.abs(score)) < 1e-6:
                    # at the optimum, but statsmodels' Newton stops on the step size (0.15 and later),
                    # which on a flat ridge keeps moving in the last digits for all 10 steps
                    retvals["converged"] = True
                if retvals.get("converged", False):
                    fitted = newton
        results = (self.natural_results or BTYDResults)(self, fitted)
        if not results.converged:
            warnings.warn(
                f"{type(self).__name__} did not converge: {fitted.mle_retvals}; estimates are unreliable",
                ConvergenceWarning, stacklevel=2,
            )
        return results


class TransactionModel(LogScaleLikelihoodModel):
    """A repeat-purchase model fitted to ``frequency, recency, T`` (BG/NBD, Pareto/NBD, MBG/NBD).

    Parameters
    ----------
    frequency, recency, T : array_like
        Repeat purchases, time of the last purchase and length of observation, from each
        customer's first purchase, in one time unit.
    weights : array_like, optional
        Frequency weights (customers per row).
    compress : bool
        Fit identical rows once, with their count as weight (default).
    """

    # (params, frequency, recency, T, distinct=None) -> per-row log-likelihood; ``distinct`` as from
    # ``distinct_columns`` only saves work
    loglik_function: ClassVar = None

    def __init__(self, frequency, recency, T, weights=None, compress=True, **kwargs):
        super().__init__({"frequency": frequency, "recency": recency, "T": T}, weights, compress, **kwargs)

    def _loglik(self, params):
        c = self.data_columns
        return self.loglik_function(params, c["frequency"], c["recency"], c["T"], self.distinct_columns())

    def distinct_columns(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Distinct values of x, t_x and T and each row's index into them, for the likelihood's
        terms of one variable (computed once: the data do not change between evaluations)."""
        if getattr(self, "_distinct", None) is None:
            c = self.data_columns
            self._distinct = {name: np.unique(c[column], return_inverse=True)
                              for name, column in (("x", "frequency"), ("t_x", "recency"), ("T", "T"))}
        return self._distinct

    def start_params_natural(self):
        mean_T = max(float(np.average(self.data_columns["T"], weights=self.freq_weights)), 1.0)
        return np.array([0.5, mean_T / 5, 1.0, 2.0])


class BTYDResults:
    """Natural-scale view of a log-scale fit: ``params``, ``bse``, ``conf_int()``, ``summary()``."""

    def __init__(self, model: LogScaleLikelihoodModel, fitted):
        self.model = model
        self.fitted = fitted  # statsmodels results on the log scale
        names = list(model.param_names)
        self.log_params = pd.Series(np.asarray(fitted.params), index=names)
        self.params = pd.Series(np.exp(self.log_params.to_numpy()), index=names)
        try:
            cov = np.asarray(fitted.cov_params())
        except (ValueError, np.linalg.LinAlgError):  # singular Hessian: no standard errors
            cov = np.full((len(names), len(names)), np.nan)
        self.cov_log_params = pd.DataFrame(cov, index=names, columns=names)
        finite = np.all(np.isfinite(cov)) and np.all(np.diag(cov) > 0)
        self.bse = pd.Series(
            self.params.to_numpy() * np.sqrt(np.diag(cov)) if finite else np.full(len(names), np.nan),
            index=names,
        )
        self.llf = float(fitted.llf)
        self.nobs = int(round(model.nobs))
        k = len(names)
        self.aic = -2 * self.llf + 2 * k
        self.bic = -2 * self.llf + k * np.log(self.nobs)
        # a log-parameter beyond ±9 (a natural value below 1e-4 or above 8,000) sits at the edge of the
        # parameter space: e.g. a → 0 in BG/NBD when the data show no dropout at all
        self.at_boundary = [name for name, value in self.log_params.items() if abs(value) > 9]
        gradient = np.asarray(model.score(fitted.params))
        self.converged = bool(fitted.mle_retvals.get("converged", False)) and finite and bool(
            np.max(np.abs(gradient)) < 1e-2 * max(1.0, abs(self.llf)) ** 0.5
        )

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Intervals from the log-scale Wald interval, mapped back (they stay positive)."""
        z = stats.norm.ppf(1 - alpha / 2)
        se_log = np.sqrt(np.diag(self.cov_log_params.to_numpy()))
        lower = np.exp(self.log_params.to_numpy() - z * se_log)
        upper = np.exp(self.log_params.to_numpy() + z * se_log)
        return pd.DataFrame({"lower": lower, "upper": upper}, index=self.params.index)

    def sample_params(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Draws of the natural-scale parameters from the asymptotic normal of the log parameters."""
        draws = rng.multivariate_normal(self.log_params.to_numpy(), self.cov_log_params.to_numpy(), size=n)
        return np.exp(draws)

    def summary_frame(self) -> pd.DataFrame:
        ci = self.conf_int()
        return pd.DataFrame({"estimate": self.params, "std err": self.bse,
                             "[0.025": ci["lower"], "0.975]": ci["upper"]})

    def summary(self) -> str:
        title = f"{type(self.model).__name__} — maximum likelihood (log-scale fit, delta-method SE)"
        lines = [title, "=" * len(title),
                 f"customers: {self.nobs:,}   unique rows: {len(self.model.freq_weights):,}",
                 f"log-likelihood: {self.llf:.4f}   AIC: {self.aic:.2f}   BIC: {self.bic:.2f}",
                 f"converged: {self.converged}", "",
                 self.summary_frame().to_string(float_format=lambda v: f"{v:.4f}")]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.summary()

    def to_dict(self) -> dict:
        ci = self.conf_int()
        return {
            "params": {k: float(v) for k, v in self.params.items()},
            "se": {k: (None if not np.isfinite(v) else float(v)) for k, v in self.bse.items()},
            "ci": {k: [float(ci.loc[k, "lower"]), float(ci.loc[k, "upper"])] for k in self.params.index},
            "loglik": self.llf, "aic": self.aic, "bic": self.bic, "n": self.nobs,
            "converged": self.converged, "at_boundary": self.at_boundary,
        }
