"""Shared machinery of the buy-till-you-die likelihood models.

Each model is a ``statsmodels`` ``GenericLikelihoodModel`` whose parameters are estimated on the log
scale (all are positive), so the optimiser is unconstrained; results are reported on the natural
scale with delta-method standard errors. Customers with identical (frequency, recency, T[, spend])
rows are fitted once with a frequency weight: the likelihood, its derivatives and hence the
standard errors are unchanged, while ``nobs`` stays the number of customers.

Transaction models can take time-invariant customer covariates (Fader & Hardie 2007): a parameter
becomes per customer, θ_i = θ·exp(±γᵀx_i), and the coefficients γ are estimated as they are (not on
the log scale) next to the log-scale base parameters. A coefficient whose design column does not
vary is not identified; it is held at 0 (with a warning) and reported as fixed.

References
----------
Fader, P. S. & Hardie, B. G. S. (2007). Incorporating time-invariant covariates into the Pareto/NBD
and BG/NBD models. http://brucehardie.com/notes/019/
"""

from __future__ import annotations

import warnings
from typing import ClassVar, NamedTuple

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import betaln, gammaln, xlogy
from scipy.stats import nbinom
from statsmodels.base.model import GenericLikelihoodModel
from statsmodels.tools.sm_exceptions import ConvergenceWarning

from .covariates import CovariateDesign, as_frame


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


def weighted_sum(weights, values) -> np.ndarray:
    """Σ_i weights_i·values_i over the first axis (``values`` a vector or a rows × k matrix), by
    numpy's pairwise summation rather than a BLAS dot product: the same digits whatever the machine
    and its threads, and no threads to wake (a BLAS dot of long vectors stalls on a busy machine)."""
    weights, values = np.asarray(weights), np.asarray(values)
    return np.sum(weights.reshape(weights.shape + (1,) * (values.ndim - 1)) * values, axis=0)


def compress_rows(columns: dict[str, np.ndarray], weights: np.ndarray | None) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Unique rows of the given columns and how many customers (or how much weight) each holds."""
    names = list(columns)
    frame = pd.DataFrame({name: np.asarray(columns[name], dtype=float) for name in names})
    frame["_w"] = 1.0 if weights is None else np.asarray(weights, dtype=float)
    grouped = frame.groupby(names, sort=True, as_index=False)["_w"].sum()
    return {name: grouped[name].to_numpy() for name in names}, grouped["_w"].to_numpy()


class LogScaleLikelihoodModel(GenericLikelihoodModel):
    """A likelihood model of positive parameters, fitted on their logarithms, with frequency weights.

    Subclasses set ``param_names`` (the positive parameters) and implement ``_loglik(params)``
    returning the per-row log-likelihood for natural-scale ``params`` on ``self.data_columns``. An
    instance may extend ``param_names`` with real-valued coefficients (fitted as they are) and hold
    some of them fixed (``fixed_params``: name → value); the optimiser sees the free ones only.
    """

    param_names: ClassVar[tuple[str, ...]] = ()
    natural_results: ClassVar[type | None] = None  # BTYDResults or a subclass
    # a few Newton steps after BFGS (see fit); a model without analytic second derivatives, whose
    # numerical Hessians would cost more than the rest of the fit, may do without
    newton_polish: ClassVar[bool] = True

    def __init__(self, columns: dict[str, np.ndarray], weights=None, compress: bool = True, **kwargs):
        self._reject_unknown_keywords(kwargs)
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
        super().__init__(endog, exog=np.ones((len(endog), 1)))
        self.exog_names[:] = ["const"]
        names = list(self.param_names)
        fixed = getattr(self, "fixed_params", {})
        self.fixed_params = dict(fixed)
        self.free = np.array([name not in fixed for name in names])
        self._fixed_values = np.array([fixed.get(name, 0.0) for name in names])
        # statsmodels' degrees of freedom and information criteria count customers, not rows
        self.nobs = float(self.freq_weights.sum())
        self.k_params = int(self.free.sum())
        self.df_model = self.k_params
        self.df_resid = self.nobs - self.k_params
        self.data.xnames = [name for name, free in zip(self.fitting_names, self.free) if free]

    def _reject_unknown_keywords(self, kwargs: dict) -> None:
        # statsmodels' Model keeps unknown keywords without a word: BetaGeo(..., covariats=df)
        # would fit a model without covariates
        if kwargs:
            raise TypeError(f"{type(self).__name__}() got an unexpected keyword argument {next(iter(kwargs))!r}")

    @property
    def n_positive(self) -> int:
        """How many leading parameters are positive (fitted on the log scale)."""
        return len(type(self).param_names)

    @property
    def fitting_names(self) -> list[str]:
        k = self.n_positive
        return [f"log_{name}" for name in self.param_names[:k]] + list(self.param_names[k:])

    # k × k_free matrix when the optimiser works in other (linear) coordinates than the fitting
    # scale: see TransactionModel's standardised covariates
    _free_to_full = None

    def expand(self, free_params) -> np.ndarray:
        """All parameters on the fitting scale from the optimiser's free ones."""
        full = self._fixed_values.copy()
        if self._free_to_full is not None:
            return full + self._free_to_full @ np.asarray(free_params, dtype=float)
        full[self.free] = np.asarray(free_params, dtype=float)
        return full

    def to_free(self, fitting_params) -> np.ndarray:
        """The optimiser's coordinates of fitting-scale parameters (the inverse of :meth:`expand`)."""
        full = np.asarray(fitting_params, dtype=float)
        if self._free_to_full is None:
            return full[self.free]
        return np.linalg.solve(self._free_to_full[self.free], (full - self._fixed_values)[self.free])

    def to_natural(self, fitting_params) -> np.ndarray:
        """Natural scale: the positive parameters exponentiated, the coefficients as they are."""
        natural = np.array(fitting_params, dtype=float)
        natural[:self.n_positive] = np.exp(natural[:self.n_positive])
        return natural

    def to_fitting(self, natural_params) -> np.ndarray:
        fitting = np.array(natural_params, dtype=float)
        fitting[:self.n_positive] = np.log(fitting[:self.n_positive])
        return fitting

    # statsmodels calls these with the free parameters on the fitting scale
    def loglikeobs(self, log_params):
        return self.freq_weights * self._loglik(self.to_natural(self.expand(log_params)))

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
        params = self.to_natural(self.expand(log_params))
        chain = np.ones_like(params)  # d natural / d fitting: θ for a log-scale θ, 1 for a coefficient
        chain[:self.n_positive] = params[:self.n_positive]
        score = self.freq_weights[:, None] * self._score(params) * chain[None, :]
        if self._free_to_full is not None:
            return score @ self._free_to_full
        # (a column selection would change the memory layout, and with it the sums' last digits)
        return score if self.free.all() else np.ascontiguousarray(score[:, self.free])

    def score(self, log_params):
        if self._derivative_sums is not None:
            return self._fitting_derivatives(log_params, hessian=False)[0]
        if self._score is None:
            return super().score(log_params)
        if self._free_to_full is not None:  # sum first: one small product instead of one per row
            params = self.to_natural(self.expand(log_params))
            chain = np.ones_like(params)
            chain[:self.n_positive] = params[:self.n_positive]
            return ((self.freq_weights @ self._score(params)) * chain) @ self._free_to_full
        return self.score_obs(log_params).sum(axis=0)

    # Models that know their second derivatives too define ``_derivative_sums(params, hessian)``: the
    # frequency-weighted sums over rows of the score and (when ``hessian``) of the Hessian with
    # respect to the natural parameters (k and k × k, else None), with the terms of one variable
    # computed once per distinct value. The fitting-scale score and Hessian follow by the chain rule.
    _derivative_sums = None

    def _fitting_derivatives(self, log_params, hessian: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
        """Score and Hessian on the fitting scale from the natural-scale sums: for φ = log θ,
        dℓ/dφ_j = θ_j g_j and d²ℓ/dφ_j dφ_k = θ_j θ_k H_jk + [j = k] θ_j g_j."""
        params = self.to_natural(self.expand(log_params))
        gradient, natural_hessian = self._derivative_sums(params, hessian)
        chain = np.ones_like(params)
        chain[:self.n_positive] = params[:self.n_positive]
        free = self.free
        if not hessian:
            return (chain * gradient)[free], None
        fitting_hessian = natural_hessian * np.outer(chain, chain)
        positive = np.arange(params.size) < self.n_positive
        fitting_hessian[positive, positive] += (chain * gradient)[positive]
        return (chain * gradient)[free], fitting_hessian[np.ix_(free, free)]

    def hessian(self, log_params):
        if self._derivative_sums is not None:
            return self._fitting_derivatives(log_params)[1]
        if self._score is None:
            return super().hessian(log_params)
        from statsmodels.tools.numdiff import approx_fprime

        hess = approx_fprime(np.asarray(log_params, dtype=float), self.score, centered=True)
        return (hess + hess.T) / 2

    def start_params_natural(self) -> np.ndarray:
        return np.concatenate([np.ones(self.n_positive), np.zeros(len(self.param_names) - self.n_positive)])

    def fit(self, start_params=None, method: str = "bfgs", maxiter: int = 2000, disp: bool = False, **kwargs):
        """Maximum likelihood; returns results on the natural scale (see :class:`BTYDResults`).

        ``start_params`` are natural-scale values. When the first optimiser does not converge,
        Nelder–Mead then BFGS are tried from its end point; a fit that still has not converged
        warns (ConvergenceWarning) and says so in ``results.converged``. A ``callback`` (called
        with the optimiser's free parameters after each iteration) is passed to every stage.
        """
        callback = kwargs.pop("callback", None)
        natural = self.start_params_natural() if start_params is None else np.asarray(start_params, float)
        if len(natural) != len(self.param_names):
            raise ValueError(f"start_params has {len(natural)} values for the parameters {list(self.param_names)}")
        start = self.to_free(self.to_fitting(natural))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            # statsmodels checks df against unique rows; ours count customers on purpose
            warnings.filterwarnings("ignore", message="df_", category=UserWarning)
            fitted = super().fit(start_params=start, method=method, maxiter=maxiter, disp=disp, callback=callback,
                                 **kwargs)
            if not fitted.mle_retvals.get("converged", False):
                polished = super().fit(start_params=fitted.params, method="nm", maxiter=20000, disp=disp,
                                       callback=callback)
                fitted = super().fit(start_params=polished.params, method="bfgs", maxiter=maxiter, disp=disp,
                                     callback=callback)
            # BFGS stops on a small gradient; these likelihoods are flat near the optimum, so a few
            # Newton steps (the model's analytic Hessian where it has one, else a numerical one) pin
            # the estimate down to the published rounding.
            newton = None
            if self.newton_polish and fitted.mle_retvals.get("converged", False):
                try:
                    newton = super().fit(start_params=fitted.params, method="newton", maxiter=10, tol=1e-6, disp=disp,
                                         callback=callback)
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
        Fit identical rows once, with their count as weight (default). With covariates, rows are
        identical when their covariate values are too.
    covariates : DataFrame, optional
        Time-invariant customer covariates, one row per customer in the order of ``frequency``
        (models with ``covariate_effects`` only). Numeric columns are used as they are; text,
        categorical and boolean columns become indicators with the first level dropped
        (:class:`~analysis.models.covariates.CovariateDesign`).
    purchase_covariates, dropout_covariates : list of str, optional
        The columns of ``covariates`` acting on the purchase and on the dropout process (default:
        all of them in both; an empty list: none).

    With covariates the base parameters (α, a, b; α, β) are those of a customer whose covariates
    are all 0 (the reference levels): centre numeric covariates for base parameters that describe
    a typical customer. The fit itself works on standardised covariates, whatever their units.
    """

    # (params, frequency, recency, T, distinct=None) -> per-row log-likelihood; ``distinct`` as from
    # ``distinct_columns`` only saves work. ``params`` may hold one value per row (covariates).
    loglik_function: ClassVar = None
    # (params, frequency, recency, T) -> per-row derivatives of the log-likelihood with respect to
    # each (per-row) parameter, rows × 4; None: numerical derivatives
    individual_score: ClassVar = None
    # (params, frequency, recency, T, weights, distinct, hessian) -> the weighted sums of the score and
    # (when ``hessian``) of the Hessian in the natural parameters; models without covariates only
    derivative_sums: ClassVar = None
    # per process, the parameters the covariates act on and the sign of the effect:
    # θ_i = θ·exp(sign·γᵀx_i) (Fader & Hardie 2007); empty: the model takes no covariates
    covariate_effects: ClassVar[dict[str, tuple[tuple[str, int], ...]]] = {}

    def __init__(self, frequency, recency, T, weights=None, compress=True, *, covariates=None,
                 purchase_covariates=None, dropout_covariates=None, **kwargs):
        self._reject_unknown_keywords(kwargs)
        columns = {"frequency": frequency, "recency": recency, "T": T}
        self.design: CovariateDesign | None = None
        self._effects: list[tuple[int, int, slice, np.ndarray]] = []
        if covariates is None:
            if purchase_covariates is not None or dropout_covariates is not None:
                raise ValueError("purchase_covariates and dropout_covariates select columns of covariates=, "
                                 "which was not given")
        else:
            if not self.covariate_effects:
                raise TypeError(f"{type(self).__name__}() got an unexpected keyword argument 'covariates' "
                                "(covariates are supported by BetaGeo and ParetoNBD)")
            columns.update(self._covariate_columns(covariates, len(np.asarray(frequency)), purchase_covariates,
                                                   dropout_covariates))
        if self.design is not None:
            self.param_names = (*type(self).param_names, *self._coefficient_names)
        super().__init__(columns, weights, compress, **kwargs)
        if self.design is not None:
            self.design_matrix = np.column_stack(
                [self.data_columns[f"covariate:{name}"] for name in self.design.names]
            ) if self.design.names else np.zeros((len(self.freq_weights), 0))
        if self.individual_score is not None:
            self._score = self._chain_score
        if self.derivative_sums is not None and not self.free[self.n_positive:].any():
            # no covariates, or only coefficients held at 0: the base model's derivatives
            self._derivative_sums = self._transaction_derivative_sums
        if self.design is not None and self.free[self.n_positive:].any():
            self._free_to_full = self._standardising_map()

    def _standardising_map(self) -> np.ndarray:
        """The optimiser works with centred and scaled covariates (z − m)/s, whose coefficients
        have similar sizes whatever the units (income in cents, age in years); the likelihood is the
        same, and the map back to the reported parameters is linear: γ_j = γ'_j/s_j and
        log θ = log θ' − sign·Σ_j γ'_j·m_j/s_j (from θ'·exp(sign·γ'(z − m)/s) = θ·exp(sign·γz))."""
        weights = self.freq_weights
        mean = np.average(self.design_matrix, axis=0, weights=weights)
        sd = np.sqrt(np.average((self.design_matrix - mean) ** 2, axis=0, weights=weights))
        transform = np.eye(len(self.param_names))
        for target, sign, coefficients, columns in self._effects:
            for position, column in zip(range(coefficients.start, coefficients.stop), columns):
                if self.free[position]:
                    transform[position, position] = 1 / sd[column]
                    transform[target, position] = -sign * mean[column] / sd[column]
        return transform[:, self.free]

    def _covariate_columns(self, covariates, n, purchase_covariates, dropout_covariates):
        frame = as_frame(covariates)
        if len(frame) != n:
            raise ValueError(f"covariates has {len(frame)} rows for {n} customers")
        selected = {}
        for process, chosen in (("purchase", purchase_covariates), ("dropout", dropout_covariates)):
            chosen = list(frame.columns) if chosen is None else [chosen] if isinstance(chosen, str) else list(chosen)
            unknown = [c for c in chosen if c not in frame.columns]
            if unknown:
                raise ValueError(f"{process}_covariates names {unknown}, not columns of covariates "
                                 f"({list(frame.columns)})")
            selected[process] = chosen
        used = [c for c in frame.columns if any(c in chosen for chosen in selected.values())]
        self.design = CovariateDesign.from_frame(frame[used])
        matrix = self.design.matrix(frame[used])
        design_index = {name: j for j, name in enumerate(self.design.names)}
        names, fixed = [], {}
        position = len(type(self).param_names)
        for process, targets in self.covariate_effects.items():
            process_names = self.design.names_of(selected[process])
            columns = np.array([design_index[name] for name in process_names], dtype=int)
            for target, sign in targets:
                coefficients = [f"{target}:{name}" for name in process_names]
                self._effects.append((type(self).param_names.index(target), sign,
                                      slice(position, position + len(coefficients)), columns))
                names += coefficients
                position += len(coefficients)
        for name in names:
            column = matrix[:, design_index[name.split(":", 1)[1]]]
            if np.ptp(column) == 0 if column.size else True:
                fixed[name] = 0.0
        if fixed:
            warnings.warn(f"covariate coefficients {sorted(fixed)} are not identified (their column does not vary "
                          "across customers): held at 0", UserWarning, stacklevel=3)
        self._coefficient_names = tuple(names)
        self.fixed_params = fixed
        return {f"covariate:{name}": matrix[:, j] for j, name in enumerate(self.design.names)}

    def individual_params(self, params, design_matrix=None) -> list:
        """Each customer's parameters from the natural-scale ``params``: the base parameters, with
        θ_i = θ·exp(sign·γᵀx_i) for those the covariates act on (one value per row of
        ``design_matrix``; the model's own rows when not given)."""
        values = list(np.asarray(params, dtype=float)[:self.n_positive])
        if self.design is None:
            return values
        design_matrix = self.design_matrix if design_matrix is None else design_matrix
        gammas = np.asarray(params, dtype=float)
        for target, sign, coefficients, columns in self._effects:
            values[target] = values[target] * np.exp(sign * (design_matrix[:, columns] @ gammas[coefficients]))
        return values

    def _loglik(self, params):
        c = self.data_columns
        if self.design is not None:  # per-row parameters: the terms of one variable are no longer shared
            return self.loglik_function(self.individual_params(params), c["frequency"], c["recency"], c["T"])
        return self.loglik_function(params, c["frequency"], c["recency"], c["T"], self.distinct_columns())

    def _chain_score(self, params):
        """Derivatives in the natural parameters (base, then coefficients) from those in each
        customer's parameters: dθ_i/dθ = θ_i/θ and dθ_i/dγ_j = sign·θ_i·x_ij."""
        c = self.data_columns
        if self.design is None:
            return self.individual_score(params, c["frequency"], c["recency"], c["T"])
        individual = self.individual_params(params)
        per_customer = self.individual_score(individual, c["frequency"], c["recency"], c["T"])
        k = self.n_positive
        score = np.empty((per_customer.shape[0], len(params)))
        rows = per_customer.shape[0]
        ratio = np.column_stack([np.broadcast_to(value, (rows,)) for value in individual]) / np.asarray(params[:k])
        score[:, :k] = per_customer * ratio
        for target, sign, coefficients, columns in self._effects:
            score[:, coefficients] = (sign * per_customer[:, target] * individual[target])[:, None] * (
                self.design_matrix[:, columns])
        return score

    def _transaction_derivative_sums(self, params, hessian):
        c = self.data_columns
        k = self.n_positive
        gradient, natural_hessian = self.derivative_sums(params[:k], c["frequency"], c["recency"], c["T"],
                                                         self.freq_weights, self.distinct_columns(), hessian)
        if len(params) == k:
            return gradient, natural_hessian
        # coefficients held at 0 (not identified): zeros in their places, which the fit does not use
        full_gradient = np.zeros(len(params))
        full_gradient[:k] = gradient
        if natural_hessian is None:
            return full_gradient, None
        full_hessian = np.zeros((len(params), len(params)))
        full_hessian[:k, :k] = natural_hessian
        return full_gradient, full_hessian

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
        return self._with_zero_coefficients(np.array([0.5, mean_T / 5, 1.0, 2.0]))

    def _with_zero_coefficients(self, base_start):
        return np.concatenate([base_start, np.zeros(len(self.param_names) - self.n_positive)])


class LikelihoodRatioTest(NamedTuple):
    """2·(ℓ_full − ℓ_restricted), its degrees of freedom and χ² p-value."""

    statistic: float
    df: int
    p_value: float


class BTYDResults:
    """Natural-scale view of a log-scale fit: ``params``, ``bse``, ``conf_int()``, ``summary()``.

    ``log_params`` and ``cov_log_params`` are on the fitting scale: logarithms of the positive
    parameters, covariate coefficients as they are; a fixed parameter has zero variance there and
    no standard error.
    """

    def __init__(self, model: LogScaleLikelihoodModel, fitted):
        self.model = model
        self.fitted = fitted  # statsmodels results on the log scale
        names = list(model.param_names)
        free = model.free
        self.fixed = [name for name, is_free in zip(names, free) if not is_free]
        self.log_params = pd.Series(model.expand(fitted.params), index=names)
        self.params = pd.Series(model.to_natural(self.log_params.to_numpy()), index=names)
        k_free = int(free.sum())
        try:
            cov_free = np.asarray(fitted.cov_params())
        except (ValueError, np.linalg.LinAlgError):  # singular Hessian: no standard errors
            cov_free = np.full((k_free, k_free), np.nan)
        cov = np.zeros((len(names), len(names)))
        if model._free_to_full is None:
            cov[np.ix_(free, free)] = cov_free
        else:  # the optimiser's coordinates are a linear map of the fitting scale
            cov = model._free_to_full @ cov_free @ model._free_to_full.T
        self.cov_log_params = pd.DataFrame(cov, index=names, columns=names)
        finite = np.all(np.isfinite(cov_free)) and np.all(np.diag(cov_free) > 0)
        se_fitting = np.where(free, np.sqrt(np.abs(np.diag(cov))), np.nan)
        positive = np.arange(len(names)) < model.n_positive
        self.bse = pd.Series(
            np.where(positive, self.params.to_numpy(), 1.0) * se_fitting if finite else np.full(len(names), np.nan),
            index=names,
        )
        self.llf = float(fitted.llf)
        self.nobs = int(round(model.nobs))
        self.k_free = k_free
        self.aic = -2 * self.llf + 2 * k_free
        self.bic = -2 * self.llf + k_free * np.log(self.nobs)
        # a log-parameter beyond ±9 (a natural value below 1e-4 or above 8,000) sits at the edge of the
        # parameter space: e.g. a → 0 in BG/NBD when the data show no dropout at all
        self.at_boundary = [name for name, value in self.log_params.iloc[:model.n_positive].items() if abs(value) > 9]
        gradient = np.asarray(model.score(fitted.params))
        self.converged = bool(fitted.mle_retvals.get("converged", False)) and finite and bool(
            np.max(np.abs(gradient)) < 1e-2 * max(1.0, abs(self.llf)) ** 0.5
        )

    def conf_int(self, alpha: float = 0.05) -> pd.DataFrame:
        """Wald intervals on the fitting scale; for the positive parameters mapped back from the log
        scale (so they stay positive). Fixed parameters have none (NaN)."""
        z = stats.norm.ppf(1 - alpha / 2)
        se = np.where(self.model.free, np.sqrt(np.diag(self.cov_log_params.to_numpy())), np.nan)
        centre = self.log_params.to_numpy()
        lower, upper = centre - z * se, centre + z * se
        k = self.model.n_positive
        lower[:k], upper[:k] = np.exp(lower[:k]), np.exp(upper[:k])
        return pd.DataFrame({"lower": lower, "upper": upper}, index=self.params.index)

    def sample_params(self, n: int, seed: int | np.random.Generator | None = None) -> np.ndarray:
        """``n`` draws (rows) of the natural-scale parameters from the asymptotic normal
        distribution of the fitting-scale estimates (log scale for the positive parameters);
        ``seed`` is an integer or a ``numpy.random.Generator``. Fixed parameters keep their value."""
        rng = np.random.default_rng(seed)
        free = self.model.free
        draws = np.tile(self.log_params.to_numpy(), (n, 1))
        draws[:, free] = rng.multivariate_normal(self.log_params.to_numpy()[free],
                                                 self.cov_log_params.to_numpy()[np.ix_(free, free)], size=n)
        k = self.model.n_positive
        draws[:, :k] = np.exp(draws[:, :k])
        return draws

    def with_params(self, params) -> BTYDResults:
        """A copy whose predictions use the natural-scale ``params`` instead of the estimates
        (standard errors and fit statistics stay those of the fit)."""
        clone = object.__new__(type(self))
        clone.__dict__.update(self.__dict__)
        clone.params = pd.Series(np.asarray(params, dtype=float), index=self.params.index)
        return clone

    def lr_test(self, restricted: BTYDResults) -> LikelihoodRatioTest:
        """Likelihood-ratio test of the nested ``restricted`` fit (the same model on the same
        customers with a subset of the parameters, e.g. without covariates) against this one:
        2·(ℓ − ℓ_restricted) ~ χ² with the difference in free parameters as degrees of freedom."""
        if type(restricted.model) is not type(self.model):
            raise ValueError(f"cannot compare a {type(self.model).__name__} with a {type(restricted.model).__name__}")
        extra = set(restricted.params.index) - set(self.params.index)
        df = self.k_free - restricted.k_free
        if extra or df <= 0:
            raise ValueError(f"the restricted fit ({list(restricted.params.index)}) is not nested in this one "
                             f"({list(self.params.index)})")
        for name in ("frequency", "recency", "T"):
            if name in self.model.data_columns and not np.isclose(
                    np.dot(self.model.freq_weights, self.model.data_columns[name]),
                    np.dot(restricted.model.freq_weights, restricted.model.data_columns[name]), rtol=1e-12):
                raise ValueError(f"the two fits were made on different data (their {name} differ)")
        if self.nobs != restricted.nobs:
            raise ValueError(f"the two fits were made on different data ({self.nobs} and {restricted.nobs} customers)")
        statistic = 2 * (self.llf - restricted.llf)
        return LikelihoodRatioTest(float(statistic), int(df), float(stats.chi2.sf(max(statistic, 0.0), df)))

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
        if self.fixed:
            lines += ["", f"held at 0 (not identified): {', '.join(self.fixed)}"]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.summary()

    def to_dict(self) -> dict:
        ci = self.conf_int()
        out = {
            "params": {k: float(v) for k, v in self.params.items()},
            "se": {k: (None if not np.isfinite(v) else float(v)) for k, v in self.bse.items()},
            "ci": {k: (None if k in self.fixed else [float(ci.loc[k, "lower"]), float(ci.loc[k, "upper"])])
                   for k in self.params.index},
            "loglik": self.llf, "aic": self.aic, "bic": self.bic, "n": self.nobs,
            "converged": self.converged, "at_boundary": self.at_boundary,
        }
        if self.fixed:
            out["fixed"] = list(self.fixed)
        return out


class TransactionResults(BTYDResults):
    """Predictions shared by the repeat-purchase models: per-customer parameters (covariates),
    parameter and prediction intervals, future P(alive) and the alive path.

    Subclasses define ``probability_alive``, ``conditional_expected_purchases`` (each taking
    ``covariates=``), ``alive_count_pmf`` (the exact count law given alive) and
    ``simulate_future_purchases`` (the independent check of that law in the tests).
    """

    def customer_params(self, covariates=None, n: int | None = None) -> list:
        """The parameters of each customer: the estimates (scalars) for a model without
        covariates; with covariates, one value per row of ``covariates`` for the parameters they act
        on (α_i = α·exp(−γᵀx_i) etc.). ``n``, when given, is the number of customers expected."""
        model = self.model
        params = self.params.to_numpy()
        if model.design is None:
            if covariates is not None:
                raise ValueError(f"this {type(model).__name__} was fitted without covariates; do not pass covariates=")
            return list(params[:model.n_positive])
        if covariates is None:
            raise ValueError(f"this {type(model).__name__} was fitted with covariates {list(model.design.columns)}: "
                             "pass the customers' covariates= (one row per customer)")
        matrix = model.design.matrix(covariates)
        if n is not None and matrix.shape[0] != n:
            raise ValueError(f"covariates has {matrix.shape[0]} rows for {n} customers")
        return model.individual_params(params, matrix)

    def parameter_interval(self, prediction: str, *args, covariates=None, alpha: float = 0.05,
                           n_draws: int = 500, seed: int | np.random.Generator | None = 0, **kwargs) -> pd.DataFrame:
        """PARAMETER interval of a prediction: its spread over draws of the parameters from their
        sampling distribution (:meth:`sample_params`), i.e. how well the model is estimated.

        ``prediction`` names a prediction method (``"probability_alive"``,
        ``"conditional_expected_purchases"``, ``"expected_purchases"``, ``"future_probability_alive"``)
        called with ``*args``, ``covariates`` and ``**kwargs``. Returns one row per customer:
        ``estimate`` (at the estimates), ``mean`` of the draws, ``lower`` and ``upper`` (the
        ``alpha``/2 and 1 − ``alpha``/2 quantiles of the draws). It says nothing about how many
        purchases a customer will actually make: see :meth:`prediction_interval`.
        """
        if prediction not in PARAMETER_INTERVAL_PREDICTIONS or not hasattr(self, prediction):
            raise ValueError(f"no parameter interval for {prediction!r}; choose one of "
                             f"{[p for p in PARAMETER_INTERVAL_PREDICTIONS if hasattr(self, p)]}")
        if covariates is not None:
            kwargs["covariates"] = covariates

        def predict(results):
            return np.atleast_1d(np.asarray(getattr(results, prediction)(*args, **kwargs), dtype=float))

        draws = np.vstack([predict(self.with_params(params)) for params in self.sample_params(n_draws, seed)])
        return pd.DataFrame({
            "estimate": predict(self), "mean": draws.mean(axis=0),
            "lower": np.quantile(draws, alpha / 2, axis=0), "upper": np.quantile(draws, 1 - alpha / 2, axis=0),
        })

    def simulate_future_purchases(self, t, frequency, recency, T, *, covariates=None, n_sims: int = 2000,
                                  seed: int | np.random.Generator | None = 0) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def alive_count_pmf(self, t, frequency, T, params, max_count: int) -> np.ndarray:  # pragma: no cover
        """P(n purchases in (T, T + t] | x, T, alive at T) for n = 0, …, ``max_count``: rows × counts.

        ``params`` holds the model's parameters, one array per parameter with one value per row
        (each customer's own with covariates). Given alive at T the past enters only through the
        posterior of the rates, which depends on (x, T) and not on t_x: the law is that of a new
        customer at the posterior parameters (each model states them)."""
        raise NotImplementedError

    def _row_params(self, covariates, n: int) -> list[np.ndarray]:
        """Each parameter with one value per customer (the estimates repeated without covariates)."""
        return [np.array(np.broadcast_to(np.asarray(value, float), (n,)))
                for value in self.customer_params(covariates, n=n if covariates is not None else None)]

    def conditional_purchase_distribution(self, t, frequency, recency, T, *, max_count: int,
                                          covariates=None) -> np.ndarray:
        """Exact distribution of each customer's purchases in the next ``t`` periods given the
        history (x, t_x, T), at the estimates: customers × (``max_count`` + 1) probabilities of
        0, 1, …, ``max_count`` purchases (the rest of the mass lies above ``max_count``).

        P(N = n | x, t_x, T) = (1 − P(alive))·1[n = 0] + P(alive)·P(N = n | x, T, alive), the second
        from :meth:`alive_count_pmf` (a new customer's count at the posterior parameters).

        References
        ----------
        Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers" the easy way:
        an alternative to the Pareto/NBD model. Marketing Science 24(2), 275–284 (eq. 8, P(X(t) = x)).
        Fader, P. S. & Hardie, B. G. S. (2005). A note on deriving the Pareto/NBD model and related
        expressions.
        """
        x, t_x, T = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (frequency, recency, T))
        t = _horizon(t)
        if covariates is not None:
            covariates = as_frame(covariates)
        p_alive = np.broadcast_to(np.asarray(self.probability_alive(x, t_x, T, covariates=covariates), float), x.shape)
        pmf = p_alive[:, None] * self.alive_count_pmf(t, x, T, self._row_params(covariates, x.size), int(max_count))
        pmf[:, 0] += 1 - p_alive
        return pmf

    def prediction_interval(self, t, frequency, recency, T, *, covariates=None, alpha: float = 0.10) -> pd.DataFrame:
        """PREDICTION interval of each customer's number of purchases in the next ``t`` periods: the
        purchasing process's own randomness given the customer's history, at the estimated
        parameters (parameter uncertainty, far smaller for one customer, is left out: see
        :meth:`parameter_interval`). Exact, from :meth:`conditional_purchase_distribution`.

        Returns one row per customer: ``expected`` (the conditional expectation), ``lower`` and
        ``upper``, the ``alpha``/2 and 1 − ``alpha``/2 quantiles of the count by the inverted-CDF
        rule (the smallest n with P(N ≤ n) ≥ the level, as ``np.quantile(..., method="inverted_cdf")``
        of a sample), and ``coverage``, P(lower ≤ N ≤ upper): at least 1 − ``alpha``, more for
        counts that pile up at 0. The law given alive is computed once per distinct (x, T) (per
        customer with covariates), up to the largest upper bound it needs.
        """
        x, t_x, T = (np.atleast_1d(np.asarray(v, dtype=float)) for v in (frequency, recency, T))
        t = _horizon(t)
        if covariates is not None:
            covariates = as_frame(covariates)
        p_alive = np.array(np.broadcast_to(
            np.asarray(self.probability_alive(x, t_x, T, covariates=covariates), float), x.shape))
        params = self._row_params(covariates, x.size)
        if covariates is None:
            (group_x, group_T), group = distinct_pairs(x, T)
            group_params = [value[:group_x.size] for value in params]  # the same value for all
        else:
            group_x, group_T, group = x, T, np.arange(x.size)
            group_params = params
        lower, upper, coverage = count_quantiles_from_alive_law(
            lambda rows, max_count: self.alive_count_pmf(t, group_x[rows], group_T[rows],
                                                         [value[rows] for value in group_params], max_count),
            group, p_alive, alpha)
        return pd.DataFrame({
            "expected": self.conditional_expected_purchases(t, x, t_x, T, covariates=covariates),
            "lower": lower, "upper": upper, "coverage": coverage,
        })

    def future_probability_alive(self, t, frequency, recency, T, *, covariates=None) -> np.ndarray:
        """P(alive at T + t | x, t_x, T, no purchase in (T, T + t]) for t ≥ 0.

        Observing a customer silent for another t periods extends their observation window: the
        likelihood of (x, t_x, T) and a silent (T, T + t] is, in both branches (alive and dropped
        out), the likelihood of (x, t_x, T + t), and P(alive) is the alive branch's share of it.
        So this is P(alive) with T replaced by T + t, the probability a manager should attach to a
        customer who stays silent; it falls with t (from P(alive) at t = 0).
        """
        t = np.asarray(t, dtype=float)
        if np.any(t < 0):
            raise ValueError(f"t must be 0 or more, got {t[t < 0].ravel()[:3]}")
        return self.probability_alive(frequency, recency, np.asarray(T, dtype=float) + t, covariates=covariates)

    def alive_path(self, purchase_times, grid, *, covariates=None) -> pd.DataFrame:
        """A customer's P(alive) through time: at each time of ``grid`` and just before and after
        each repeat purchase, given the purchases up to then.

        ``purchase_times`` holds every purchase time (the first one included: the customer's time
        0), ``grid`` the times at which to evaluate, in the same unit (not before the first
        purchase; after the last, the path is :meth:`future_probability_alive`). ``covariates``: the
        customer's one row, for a model with covariates. Returns ``time``, ``purchases`` (repeat
        purchases so far) and ``p_alive``, in time order (before a purchase, then after it).
        """
        times = np.sort(np.asarray(purchase_times, dtype=float).ravel())
        grid = np.asarray(grid, dtype=float).ravel()
        if times.size == 0 or not np.all(np.isfinite(times)):
            raise ValueError("purchase_times needs at least the first purchase, and finite times")
        if np.any(grid < times[0]):
            raise ValueError(f"grid starts at {grid.min()}, before the first purchase at {times[0]}")
        first, repeats = times[0], times[1:]
        # grid points, then each repeat purchase's eve (the purchases before it) and day
        at = np.concatenate([grid, repeats, repeats])
        count = np.concatenate([np.searchsorted(repeats, grid, side="right"),
                                np.arange(repeats.size), np.arange(1, repeats.size + 1)])
        last = np.where(count > 0, repeats[np.maximum(count - 1, 0)] - first, 0.0) if repeats.size else np.zeros(at.size)
        order = np.lexsort((count, at))
        at, count, last = at[order], count[order].astype(float), last[order]
        if covariates is not None:
            covariates = as_frame(covariates)
            if len(covariates) != 1:
                raise ValueError(f"alive_path is for one customer: covariates has {len(covariates)} rows")
            covariates = covariates.iloc[np.zeros(at.size, dtype=int)]
        p_alive = self.probability_alive(count, last, at - first, covariates=covariates)
        return pd.DataFrame({"time": at, "purchases": count.astype(int), "p_alive": p_alive})


def _horizon(t) -> float:
    t = float(t)
    if not (np.isfinite(t) and t >= 0):
        raise ValueError(f"the horizon t must be a finite number, 0 or more; got {t}")
    return t


# the count table of one pass over a chunk of distinct histories: rows × counts at most this many
# cells (the Pareto/NBD's quadrature multiplies it by its nodes)
COUNT_TABLE_CELLS = 65_536
# the first table covers counts 0..15; a row whose upper quantile lies beyond is redone 4 times wider,
# up to about a million counts (beyond that a ValueError: no customer history gets near it)
FIRST_COUNT_WIDTH = 16
LARGEST_COUNT_WIDTH = 1 << 20


def count_quantiles_from_alive_law(alive_pmf, group, p_alive, alpha: float):
    """``lower``, ``upper`` and ``coverage`` of :meth:`TransactionResults.prediction_interval` per
    customer, from ``alive_pmf(rows, max_count)`` (the law given alive of the distinct histories
    ``rows``, counts 0..max_count), each customer's distinct history ``group`` and ``p_alive``.

    With C the CDF given alive, P(N ≤ n) = 1 − P + P·C(n) ≥ C(n): a table reaching C ≥ 1 − α/2 holds
    both quantiles of every customer of that history. Tables start narrow and are redone wider
    only for the histories that need it."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must lie in (0, 1), got {alpha}")
    low_level, high_level = alpha / 2, 1 - alpha / 2
    n_groups = int(group.max()) + 1 if group.size else 0
    order = np.argsort(group, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(group, minlength=n_groups))])
    lower, upper, coverage = (np.empty(group.size) for _ in range(3))
    todo, width = np.arange(n_groups), FIRST_COUNT_WIDTH
    while todo.size:
        if width > LARGEST_COUNT_WIDTH:
            raise ValueError(f"the count distribution of {todo.size} histories does not reach {high_level} "
                             f"within {LARGEST_COUNT_WIDTH} purchases")
        again = []
        step = max(1, COUNT_TABLE_CELLS // width)
        for start in range(0, todo.size, step):
            rows = todo[start:start + step]
            cdf = np.cumsum(alive_pmf(rows, width - 1), axis=1)
            reached = cdf[:, -1] >= high_level
            again.append(rows[~reached])
            rows, cdf = rows[reached], cdf[reached]
            if not rows.size:
                continue
            sizes = bounds[rows + 1] - bounds[rows]
            customers = order[np.repeat(bounds[rows], sizes) + _ranges(sizes)]
            alive = p_alive[customers][:, None]
            total = (1 - alive) + alive * cdf[np.repeat(np.arange(rows.size), sizes)]
            low = (total < low_level).sum(axis=1)
            high = (total < high_level).sum(axis=1)
            picked = np.arange(customers.size)
            below = np.where(low > 0, total[picked, np.maximum(low - 1, 0)], 0.0)
            lower[customers], upper[customers] = low, high
            coverage[customers] = total[picked, high] - below
        todo = np.concatenate(again) if again else todo[:0]
        width *= 4
    return lower, upper, coverage


def _ranges(sizes: np.ndarray) -> np.ndarray:
    """0..size−1 for each size, concatenated."""
    ends = np.cumsum(sizes)
    return np.arange(ends[-1] if ends.size else 0) - np.repeat(ends - sizes, sizes)


def nbd_pmf_table(r, alpha, exposure, max_count: int) -> np.ndarray:
    """P(N = n), n = 0..``max_count``, of N ~ Poisson(λ·e), λ ~ Gamma(r, α) (α a rate): the negative
    binomial Γ(r+n)/(Γ(r) n!) (α/(α+e))^r (e/(α+e))^n. ``r`` and ``alpha`` have one value per row,
    ``exposure`` e is rows × k; the result rows × k × counts (e = 0: all mass at 0)."""
    r, alpha = np.asarray(r, float)[:, None, None], np.asarray(alpha, float)[:, None, None]
    e = np.asarray(exposure, float)[:, :, None]
    n = np.arange(max_count + 1, dtype=float)
    log_coefficient = gammaln(r + n) - gammaln(r) - gammaln(n + 1)
    with np.errstate(divide="ignore"):
        return np.exp(log_coefficient - r * np.log1p(e / alpha) + xlogy(n, e / (alpha + e)))


# Gauss–Legendre nodes of the integral over the lifetime (tests/clv/test_exact_prediction.py:
# 1e-10 or better against mpmath on histories from x = 0 to 300 and horizons to 10 times the scales)
LIFETIME_NODES = 48


def nbd_count_pmf_over_lifetime(r, alpha, t: float, max_count: int, survival, density, scale,
                                nodes: int = LIFETIME_NODES) -> np.ndarray:
    """P(n purchases in (0, t]), n = 0..``max_count``, of a customer alive at 0 who buys at rate
    λ ~ Gamma(r, α) until a lifetime τ with ``survival(u)`` = P(τ > u) and ``density(u)``:
    P(τ > t)·NB(n; r, α, t) + ∫₀ᵗ f(u) NB(n; r, α, u) du (one value of each argument per row).

    The integral is a Gauss–Legendre rule in v = log(1 + u/``scale``): with ``scale`` the nearest
    singularity of the integrand off (0, t) (at u = −α for the NBD, −β for the Lomax density), the
    integrand is analytic in a strip of half-width π around the v-interval, so the rule converges
    geometrically whatever t/scale."""
    r, alpha, scale = (np.asarray(v, float) for v in (r, alpha, scale))
    unit, weight = np.polynomial.legendre.leggauss(nodes)
    v_end = np.log1p(t / scale)[:, None]
    v = v_end / 2 * (unit + 1)
    u = scale[:, None] * np.expm1(v)
    weights = v_end / 2 * weight * (scale[:, None] + u) * density(u)
    horizon = np.full((r.size, 1), t)
    at_horizon = survival(horizon) * nbd_pmf_table(r, alpha, horizon, max_count)[:, 0, :]
    return at_horizon + np.einsum("rk,rkn->rn", weights, nbd_pmf_table(r, alpha, u, max_count))


def beta_geometric_count_pmf(r, alpha, a, b, t: float, max_count: int) -> np.ndarray:
    """P(n purchases in (0, t]), n = 0..``max_count``, of a customer alive at 0 who buys at rate
    λ ~ Gamma(r, α) and drops out after each purchase with probability p ~ Beta(a, b): the count is
    min(N, G), N ~ Poisson(λt), G ~ Geometric(p) on 1, 2, …, so (Fader, Hardie & Lee 2005, eq. 8)
    P(n) = B(a, b+n)/B(a, b)·NB(n) + 1[n > 0]·B(a+1, b+n−1)/B(a, b)·P(N ≥ n)."""
    r, alpha, a, b = (np.asarray(v, float)[:, None] for v in (r, alpha, a, b))
    n = np.arange(max_count + 1, dtype=float)
    stay = alpha / (alpha + t)
    negative_binomial = nbd_pmf_table(r[:, 0], alpha[:, 0], np.full((r.size, 1), t), max_count)[:, 0, :]
    still_alive = np.exp(betaln(a, b + n) - betaln(a, b)) * negative_binomial
    later = n[1:]
    dropped = np.exp(betaln(a + 1, b + later - 1) - betaln(a, b)) * nbinom.sf(later - 1, r, stay)
    still_alive[:, 1:] += dropped
    return still_alive


# the predictions whose parameter interval :meth:`TransactionResults.parameter_interval` computes
PARAMETER_INTERVAL_PREDICTIONS = ("probability_alive", "conditional_expected_purchases", "expected_purchases",
                                  "future_probability_alive")
