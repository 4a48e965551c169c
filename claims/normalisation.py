"""Batch, layer and instance normalisation; weight normalisation (000 Q4, 001 Q4).

Convention: on an N × C × F tensor (batch, channels, features) batch norm reduces over the
batch and the features for each channel, layer norm over the channels and the features for
each example, instance norm over the features for each (example, channel); variances are
the biased (1/m) ones, and x̂ = (x - μ)/√(σ² + ε).

Weight normalisation: w = γ u/||u||, s = γ/||u||, W⊥ = I - uuᵀ/||u||². The network of
001 Q4.3 is a two-layer MLP whose hidden units are weight-normalised, trained by gradient
descent on every parameter (impl/interface.py, "Normalisation and weight normalisation").
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import strategies as st
from scipy.differentiate import jacobian
from scipy.special import expit

from harness import Comparison, Inequality, MeanOf, claim
from strategies.laws import VectorLaw, uncorrelated_unit_vectors
from strategies.tensors import (
    learning_rate_grids,
    magnitudes,
    nct_tensors,
    nonzero_vectors,
    normalisation_eps,
    normalisation_kinds,
    smooth_losses,
    weight_norm_gammas,
    wn_mlp_problems,
)

SRC_2020 = "000_3426801c2423a67e.txt"
SRC_2019 = "001_b46d8049f0855ad6.txt"

REDUCED = {"batch": (0, 2), "layer": (1, 2), "instance": (2,)}
"""Axes of an N × C × F tensor each normalisation reduces over (the convention above)."""

Q41_TENSOR = [[[1, 3, 2], [1, 2, 3]], [[3, 3, 2], [2, 4, 4]],
              [[4, 2, 2], [1, 2, 4]], [[3, 3, 2], [3, 3, 2]]]
"""The 4 × 2 × 3 tensor printed in 000 Q4.1."""

F = Fraction
Q41_ANSWER = {
    # derived by hand over the groups of the convention (kept dimensions)
    "μ_batch": [[[F(5, 2)], [F(31, 12)]]],
    "σ²_batch": [[[F(7, 12)], [F(155, 144)]]],
    "μ_layer": [[[F(2)]], [[F(3)]], [[F(5, 2)]], [[F(8, 3)]]],
    "σ²_layer": [[[F(2, 3)]], [[F(2, 3)]], [[F(5, 4)]], [[F(2, 9)]]],
    "μ_instance": [[[F(2)], [F(2)]], [[F(8, 3)], [F(10, 3)]],
                   [[F(8, 3)], [F(7, 3)]], [[F(8, 3)], [F(8, 3)]]],
    "σ²_instance": [[[F(2, 3)], [F(2, 3)]], [[F(2, 9)], [F(8, 9)]],
                    [[F(8, 9)], [F(14, 9)]], [[F(2, 9)], [F(2, 9)]]],
}
"""The six statistics of 000 Q4.1 as exact rationals."""


def _show(t) -> str:
    """A nested list of fractions, flattened to one line (``[5/2, 31/12]``)."""
    flat = np.asarray(t, dtype=object).ravel()
    return "[" + ", ".join(str(v) for v in flat) + "]"


def _group_stats_by_loops(x: list, kind: str) -> tuple[list, list]:
    """Mean and biased variance of each group of the convention, as exact rationals, by
    explicit loops over the groups (kept dimensions)."""
    N, C, Fe = len(x), len(x[0]), len(x[0][0])

    def stats(values: list[int]) -> tuple[Fraction, Fraction]:
        m = Fraction(sum(values), len(values))
        return m, sum((Fraction(v) - m) ** 2 for v in values) / len(values)

    if kind == "batch":
        g = [stats([x[n][c][f] for n in range(N) for f in range(Fe)]) for c in range(C)]
        return [[[m] for m, _ in g]], [[[v] for _, v in g]]
    if kind == "layer":
        g = [stats([x[n][c][f] for c in range(C) for f in range(Fe)]) for n in range(N)]
        return [[[m]] for m, _ in g], [[[v]] for _, v in g]
    g = [[stats(x[n][c]) for c in range(C)] for n in range(N)]
    return [[[m] for m, _ in row] for row in g], [[[v] for _, v in row] for row in g]


@claim(
    id="norm.stats_example",
    statement=(
        "For the 4×2×3 tensor [[[1,3,2],[1,2,3]], [[3,3,2],[2,4,4]], [[4,2,2],[1,2,4]], "
        "[[3,3,2],[3,3,2]]] (N×C×F): μ_batch = [5/2, 31/12], σ²_batch = [7/12, 155/144] "
        "(per channel); μ_layer = [2, 3, 5/2, 8/3], σ²_layer = [2/3, 2/3, 5/4, 2/9] (per "
        "example); μ_instance = [[2, 2], [8/3, 10/3], [8/3, 7/3], [8/3, 8/3]], σ²_instance = "
        "[[2/3, 2/3], [2/9, 8/9], [8/9, 14/9], [2/9, 2/9]] (per example and channel); "
        "biased variances."
    ),
    source=f"{SRC_2020} Q4.1",
    kind="exact",
    expected="holds",
    given=st.just({"x": Q41_TENSOR}),
    needs=("norm_statistics",),
    examples=1,
)
def stats_example(example, impl, rng):
    x = example["x"]
    arr = np.asarray(x, dtype=float)
    out = {}
    for kind in ("batch", "layer", "instance"):
        mean, var = impl.norm_statistics(arr, kind)
        loop_mean, loop_var = _group_stats_by_loops(x, kind)
        m = arr.size // np.asarray(loop_mean, dtype=object).size  # elements per group
        scale = float(np.abs(arr).max())
        for sym, got, loops in (("μ", mean, loop_mean), ("σ²", var, loop_var)):
            name = f"{sym}_{kind}"
            hand = Q41_ANSWER[name]
            out[f"{name} = {_show(hand)} (hand-derived)"] = Comparison(
                got, np.asarray(hand, dtype=float), terms=2 * m + 4, scale=scale**2 + scale)
            out[f"{name} (loops over the groups)"] = Comparison(
                got, np.asarray(loops, dtype=float), terms=2 * m + 4, scale=scale**2 + scale)
    return out


def _limit_variance(x: np.ndarray, xhat: np.ndarray, axes: tuple[int, ...], eps: float):
    """Per group: the output mean, the ε-free output variance lim_{ε→0} Var(x̂) and the
    magnitudes the two are computed at."""
    mean_out = xhat.mean(axis=axes, keepdims=True)
    var_out = ((xhat - mean_out) ** 2).mean(axis=axes, keepdims=True)
    s2 = x.var(axis=axes, keepdims=True)  # σ² of the input group
    pos = s2 > 0
    safe = np.where(pos, s2, 1.0)
    # x̂ = (x-μ)/√(σ²+ε): Var(x̂) = σ²/(σ²+ε) → 1 if σ² > 0; if σ² = 0, x̂ ≡ 0 for every ε
    limit = np.where(pos, var_out * (s2 + eps) / safe, var_out)
    xmax = np.abs(x).max(axis=axes, keepdims=True)
    mean_scale = 1.0 + xmax / np.sqrt(s2 + eps)
    # rounding of x - μ is γ·max|x| absolute, i.e. max|x|/σ relative to the deviations
    var_scale = (1.0 + np.where(pos, xmax / np.sqrt(safe), 0.0)) ** 2
    return mean_out, limit, mean_scale, var_scale


@claim(
    id="norm.standardizes",
    statement=(
        "For any shape N×C×F, after batch / layer / instance normalisation "
        "x̂ = (x-μ)/√(σ²+ε) each reduced group has mean 0 and variance 1 (up to the ε in "
        "the denominator)."
    ),
    source=f"{SRC_2020} Q4.1",
    kind="exact",
    expected="refuted",
    given=st.fixed_dictionaries(
        {"x": nct_tensors(), "kind": normalisation_kinds(), "eps": normalisation_eps()}),
    needs=("normalise",),
    reading=(
        "'up to the ε in the denominator' is read as: the departure from variance 1 is the "
        "ε's effect only and vanishes as ε → 0, i.e. lim_{ε→0+} Var(x̂_group) = "
        "Var(x̂)·(σ²+ε)/σ² = 1 and mean(x̂_group) = 0. A group of one element, or of equal "
        "elements (σ² = 0), has x̂ ≡ 0 for every ε > 0: its variance is 0 whatever ε, so "
        "such groups refute the statement; every group with σ² > 0 satisfies it."
    ),
)
def standardizes(example, impl, rng):
    return standardisation_evidence(example, impl, degenerate_groups_vanish=False)


def standardisation_evidence(example: dict, impl, *, degenerate_groups_vanish: bool) -> dict:
    """Group means of x̂ against 0 and ε-free group variances against 1; with
    ``degenerate_groups_vanish`` (the corrected statement) against 0 for groups with σ² = 0."""
    x, kind, eps = np.asarray(example["x"], dtype=float), example["kind"], example["eps"]
    axes = REDUCED[kind]
    m = int(np.prod([x.shape[a] for a in axes]))
    xhat = np.asarray(impl.normalise(x, kind, eps), dtype=float)
    mean_out, limit, mean_scale, var_scale = _limit_variance(x, xhat, axes, eps)
    target = np.ones_like(limit)
    if degenerate_groups_vanish:
        target = np.where(x.var(axis=axes, keepdims=True) > 0, 1.0, 0.0)
    return {
        f"{kind}-norm group mean of x̂ (ε={eps:.3g})": Comparison(
            mean_out, np.zeros_like(mean_out), terms=4 * m + 10, scale=mean_scale),
        f"{kind}-norm group variance of x̂ as ε→0 (ε={eps:.3g})": Comparison(
            limit, target, terms=4 * m + 10, scale=var_scale),
    }


def _y_squared_varies(law: VectorLaw, u: np.ndarray) -> bool:
    """False when y² = (uᵀx)² is constant, or constant up to rounding: a spherical law in
    dimension 1 (±1 up to the rounding of g/|g|), or ±1 coordinates (Rademacher, Bernoulli
    with q = 1/2, also with a shared magnitude) with one nonzero u_j. Its mean would be
    compared exactly, and the targets ||u||², γ² are rounded differently from the samples."""
    if law.dependence == "spherical":
        return u.shape[0] >= 2
    m = law.marginal
    plus_minus_one = m.family == "rademacher" or (m.family == "bernoulli" and m.q == 0.5)
    return not plus_minus_one or np.count_nonzero(u) >= 2


def _whitened_problem(law: VectorLaw) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({
        "x": st.just(law),
        "u": nonzero_vectors(max_dim=6).filter(
            lambda u: _y_squared_varies(law, u) and 1e-3 < float(np.linalg.norm(u)) < 1e3),
        "gamma": weight_norm_gammas(),
        "beta": st.floats(-3.0, 3.0),
    })


whitened_problems = uncorrelated_unit_vectors().flatmap(_whitened_problem)
"""A centred whitened vector law, u ≠ 0 (||u|| in (1e-3, 1e3)), γ and β."""


@claim(
    id="norm.batchnorm_equals_weightnorm",
    statement=(
        "For centred, whitened x (E[x] = 0, Var x = I) and y = uᵀx, the population "
        "statistics are μ_y = 0 and σ_y = ||u||, so γ (y - μ_y)/σ_y + β = wᵀx + β with "
        "w = γ u/||u||."
    ),
    source=f"{SRC_2020} Q4.2; {SRC_2019} Q4.1",
    kind="statistical",
    expected="holds",
    given=whitened_problems,
    needs=("weight_norm",),
    reading=(
        "With population statistics. E[y] = 0 and E[y²] = ||u||² establish μ_y = 0 and "
        "σ_y = ||u||; ŷ = γ(y - 0)/||u|| + β then has E[(ŷ-β)²] = γ², and ŷ = wᵀx + β holds "
        "in mean square, E[(ŷ-β-wᵀx)²] = E[(ŷ-β)²] - 2E[(ŷ-β)wᵀx] + E[(wᵀx)²] = 0, exactly "
        "when E[wᵀx] = 0, E[(wᵀx)²] = γ² and E[ŷ·wᵀx] = γ² (w from the implementation)."
    ),
)
def batchnorm_equals_weightnorm(example, impl, rng, n):
    law, u, gamma, beta = example["x"], example["u"], example["gamma"], example["beta"]
    x = law.sample(rng, n, u.shape[0])
    y = x @ u
    norm = float(np.linalg.norm(u))
    yhat = gamma * (y - 0.0) / norm + beta  # population statistics μ_y = 0, σ_y = ||u||
    wx = x @ np.asarray(impl.weight_norm(u, gamma), dtype=float)
    return {
        "E[y]": MeanOf(y, 0.0),
        "E[y²]": MeanOf(y**2, norm**2),
        "E[wᵀx]": MeanOf(wx, 0.0),
        "E[(wᵀx)²]": MeanOf(wx**2, gamma**2),
        "E[ŷ·wᵀx]": MeanOf(yhat * wx, gamma**2),
    }


def _loss_and_grad(problem: dict, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """L(w) (batched over leading axes of w), ∇_w L, and the magnitude |∇_w L| is computed
    at, for the quadratic ½||Aw - b||² or the logistic Σ log(1 + exp(-sign(b_i) a_iᵀw))."""
    A, b = problem["A"], problem["b"]
    z = w @ A.T
    if problem["loss"] == "quadratic":
        r = z - b
        grad = r @ A
        mag = (np.abs(w) @ np.abs(A.T) + np.abs(b)) @ np.abs(A)
        return 0.5 * np.sum(r**2, axis=-1), grad, mag
    lab = np.where(b >= 0, 1.0, -1.0)
    loss = np.sum(np.logaddexp(0.0, -lab * z), axis=-1)
    p = expit(-lab * z)
    grad = -(lab * p) @ A
    return loss, grad, p @ np.abs(A)


gradient_problems = st.fixed_dictionaries(
    {"u": nonzero_vectors(max_dim=5), "gamma": weight_norm_gammas()}
).flatmap(lambda p: st.fixed_dictionaries(
    {"u": st.just(p["u"]), "gamma": st.just(p["gamma"]),
     "loss": smooth_losses(p["u"].shape[0])}))
"""A direction u ≠ 0, a length γ and a smooth loss of w = γ u/||u|| on generated data."""


@claim(
    id="norm.weightnorm_gradient",
    statement=(
        "For w = γ u/||u|| and any differentiable loss L: ∇_u L = s W⊥ ∇_w L with "
        "s = γ/||u|| and W⊥ = I - uuᵀ/||u||²."
    ),
    source=f"{SRC_2020} Q4.3; {SRC_2019} Q4.2 eq 37",
    kind="exact",
    expected="holds",
    given=gradient_problems,
    needs=("weight_norm", "weight_norm_grad_u"),
)
def weightnorm_gradient(example, impl, rng):
    u, gamma, problem = example["u"], example["gamma"], example["loss"]
    d = u.shape[0]
    norm = float(np.linalg.norm(u))
    w = np.asarray(impl.weight_norm(u, gamma), dtype=float)
    _, grad_w, mag = _loss_and_grad(problem, w)

    seen = [0.0]  # largest |L| the finite differences evaluate

    def loss_of_u(xi: np.ndarray) -> np.ndarray:
        ww = np.asarray(impl.weight_norm(np.moveaxis(xi, 0, -1), gamma), dtype=float)
        values = _loss_and_grad(problem, ww)[0]
        seen[0] = max(seen[0], float(np.max(np.abs(values))))
        return values

    # L(γu/||u||) varies on the length scale ||u||: steps start at a quarter of it
    step = norm / 4
    res = jacobian(loss_of_u, u, initial_step=step)
    s = gamma / norm
    formula = s * (grad_w - u * (u @ grad_w) / norm**2)
    unit = np.abs(u) / norm
    # the analytic gradients work at s·|∇_w L|; a difference quotient at |L|/h for its
    # smallest step h
    smallest_step = step / 2.0 ** res.nit
    scale = (abs(s) * (mag + unit * (unit @ mag)) + np.abs(res.df)
             + seen[0] / smallest_step)
    terms = 4 * d + 4 * problem["A"].shape[0] + 20
    return {
        "s W⊥ ∇_w L against the numerical ∇_u L(γu/||u||)": Comparison(
            formula, res.df, terms=terms, scale=scale, abs_error=res.error),
        "implementation's ∇_u L against the numerical one": Comparison(
            impl.weight_norm_grad_u(u, gamma, grad_w), res.df, terms=terms, scale=scale,
            abs_error=res.error),
    }


@claim(
    id="norm.projection_annihilates_u",
    statement=(
        "W⊥ u = 0 for W⊥ = I - uuᵀ/||u||² (u ≠ 0); so a change of ∇_w L along u does not "
        "change ∇_u L: the implementation's ∇_u L for ∇_w L = c·u is 0."
    ),
    source=f"{SRC_2020} Q4.3; {SRC_2019} Q4.2",
    kind="exact",
    expected="holds",
    given=st.fixed_dictionaries({"u": nonzero_vectors(max_dim=8),
                                 "gamma": weight_norm_gammas(),
                                 "c": st.one_of(st.just(1.0), magnitudes(1e-6, 100.0))}),
    needs=("weight_norm_grad_u",),
)
def projection_annihilates_u(example, impl, rng):
    u, gamma, c = example["u"], example["gamma"], example["c"]
    d = u.shape[0]
    norm = float(np.linalg.norm(u))
    w_perp = np.eye(d) - np.outer(u, u) / norm**2
    return {
        "W⊥ u": Comparison(w_perp @ u, np.zeros(d), terms=2 * d + 8, scale=2 * np.abs(u)),
        "implementation's ∇_u L for ∇_w L = c u": Comparison(
            impl.weight_norm_grad_u(u, gamma, c * u), np.zeros(d), terms=2 * d + 8,
            scale=2 * abs(gamma * c) / norm * np.abs(u)),
    }


def _start(impl, problem: dict, rng: np.random.Generator):
    """The implementation's initial parameters of the weight-normalised MLP and data
    (X, y) drawn from ``rng`` at the problem's sizes and scales."""
    D, H, N = problem["D"], problem["H"], problem["N"]
    params = impl.wn_mlp_init(D, H, rng)
    X = problem["x_scale"] * rng.standard_normal((N, D))
    y = problem["y_scale"] * rng.standard_normal(N)
    return params, X, y


def _train_trace(impl, params: dict, X: np.ndarray, y: np.ndarray, lr: float, steps: int):
    """Gradient descent from ``params``; yields (u_t, γ_t, ∇_u L, ∂L/∂γ, u_{t+1}) per step."""
    for _ in range(steps):
        _, grads = impl.wn_mlp_loss_and_grads(params, X, y)
        new = impl.wn_mlp_gd_step(params, grads, lr)
        yield (np.asarray(params["u"], float), np.asarray(params["gamma"], float),
               np.asarray(grads["u"], float), np.asarray(grads["gamma"], float),
               np.asarray(new["u"], float))
        params = new


def _step_scale(nu: np.ndarray, ng: np.ndarray, gamma: np.ndarray, g_gamma: np.ndarray,
                lr: float) -> np.ndarray:
    """Magnitude ||u_{t+1}||² is computed at, per hidden unit: (||u|| + α||∇_u L||)² and
    2α|γ|·||∇_w L||, the rounding of u_tᵀ∇_u L being relative to |γ|·||∇_w L|| (the
    magnitude ∇_u L is computed at; ||∇_w L||² = ||∇_u L||²/s² + (∂L/∂γ)² as w = γû)."""
    grad_w_mag = np.sqrt((nu * ng) ** 2 + (gamma * g_gamma) ** 2)
    return (nu + lr * ng) ** 2 + 2 * lr * grad_w_mag


@claim(
    id="norm.weightnorm_norm_growth",
    statement=(
        "Under gradient descent on u with learning rate α, ||u_{t+1}||² = ||u_t||² + "
        "α²||∇_u L||² at every step (since u_tᵀ∇_u L = 0), so ||u|| never decreases; on a "
        "two-layer MLP whose hidden units are weight-normalised, for each hidden unit."
    ),
    source=f"{SRC_2019} Q4.3 eq 39",
    kind="exact",
    expected="holds",
    given=st.fixed_dictionaries({"net": wn_mlp_problems(),
                                 "lr": st.one_of(st.just(0.1), st.floats(1e-3, 10.0))}),
    needs=("wn_mlp_init", "wn_mlp_loss_and_grads", "wn_mlp_gd_step"),
)
def weightnorm_norm_growth(example, impl, rng):
    problem, lr = example["net"], example["lr"]
    actual, expected, scale = [], [], []
    params, X, y = _start(impl, problem, rng)
    for u, gamma, g, g_gamma, u_next in _train_trace(impl, params, X, y, lr, problem["T"]):
        nu = np.linalg.norm(u, axis=1)
        ng = np.linalg.norm(g, axis=1)
        actual.append(np.sum(u_next**2, axis=1))
        expected.append(nu**2 + lr**2 * ng**2)
        scale.append(_step_scale(nu, ng, gamma, g_gamma, lr))
    D = problem["D"]
    return Comparison(np.array(actual), np.array(expected), terms=4 * D + 16,
                      scale=np.array(scale))


@claim(
    id="norm.weightnorm_growth_faster_with_larger_lr",
    statement=(
        "After the same number T of gradient-descent updates from the same start, a larger "
        "learning rate gives a larger ||u||: α1 < α2 ⇒ ||u_T(α1)|| ≤ ||u_T(α2)|| for each "
        "weight-normalised hidden unit of a two-layer MLP."
    ),
    source=f"{SRC_2019} Q4.3",
    kind="exact",
    expected="refuted",
    given=st.fixed_dictionaries({"net": wn_mlp_problems(), "lrs": learning_rate_grids()}),
    needs=("wn_mlp_init", "wn_mlp_loss_and_grads", "wn_mlp_gd_step"),
    reading=(
        "Each pair of consecutive rates of a generated increasing grid, every hidden unit. "
        "||u_T||² = ||u_0||² + α²Σ_t ||∇_u L(u_t)||² (eq 39), but the gradients differ "
        "along the two trajectories, so for T ≥ 2 the larger rate can end with the smaller "
        "norm; for T = 1 it cannot."
    ),
)
def weightnorm_growth_faster_with_larger_lr(example, impl, rng):
    problem, lrs = example["net"], example["lrs"]
    params, X, y = _start(impl, problem, rng)  # the same start and data for every rate
    norms, errs = [], []
    for lr in lrs:
        err = 0.0  # magnitude the rounding of ||u_T||² accumulates at, step by step
        for step in _train_trace(impl, params, X, y, lr, problem["T"]):
            u, gamma, g, g_gamma, _ = step
            err = err + _step_scale(np.linalg.norm(u, axis=1), np.linalg.norm(g, axis=1),
                                    gamma, g_gamma, lr)
        norms.append(np.linalg.norm(step[4], axis=1))  # u_T, after the last step
        # d||u|| = d||u||² / (2||u||), and never more than √(d||u||²) (at ||u|| = 0)
        with np.errstate(divide="ignore"):
            errs.append(np.minimum(err / (2 * norms[-1]), np.sqrt(err)))
    T = problem["T"]
    terms = 4 * problem["D"] + 16
    return {
        f"||u_T|| at α={a1:.6g} <= at α={a2:.6g} (T={T})": Inequality(
            n1, n2, terms=terms, scale=np.maximum(n1, n2) + e1 + e2)
        for a1, a2, n1, n2, e1, e2 in zip(lrs[:-1], lrs[1:], norms[:-1], norms[1:],
                                          errs[:-1], errs[1:], strict=True)
    }
