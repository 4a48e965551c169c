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

import math
from fractions import Fraction

import numpy as np
from hypothesis import strategies as st
from scipy.differentiate import jacobian
from scipy.special import expit

from harness import Comparison, Inequality, MeanOf, claim
from harness.rounding import dot, elementwise
from strategies.laws import VectorLaw, uncorrelated_unit_vectors
from strategies.tensors import (
    batched_directions,
    batched_nct_tensors,
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
                got, np.asarray(hand, dtype=float), rounding=dot(m).times(2) + elementwise(4),
                scale=scale**2 + scale)
            out[f"{name} (loops over the groups)"] = Comparison(
                got, np.asarray(loops, dtype=float), rounding=dot(m).times(2) + elementwise(4),
                scale=scale**2 + scale)
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
            mean_out, np.zeros_like(mean_out), rounding=dot(m).times(4) + elementwise(10),
            scale=mean_scale),
        f"{kind}-norm group variance of x̂ as ε→0 (ε={eps:.3g})": Comparison(
            limit, target, rounding=dot(m).times(4) + elementwise(10), scale=var_scale),
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
    computed = dot(d).times(4) + dot(problem["A"].shape[0]).times(4) + elementwise(20)
    return {
        "s W⊥ ∇_w L against the numerical ∇_u L(γu/||u||)": Comparison(
            formula, res.df, rounding=computed, scale=scale, abs_error=res.error),
        "implementation's ∇_u L against the numerical one": Comparison(
            impl.weight_norm_grad_u(u, gamma, grad_w), res.df, rounding=computed, scale=scale,
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
        "W⊥ u": Comparison(w_perp @ u, np.zeros(d), rounding=dot(d).times(2) + elementwise(8),
                           scale=2 * np.abs(u)),
        "implementation's ∇_u L for ∇_w L = c u": Comparison(
            impl.weight_norm_grad_u(u, gamma, c * u), np.zeros(d),
            rounding=dot(d).times(2) + elementwise(8),
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
    return Comparison(np.array(actual), np.array(expected),
                      rounding=dot(D).times(4) + elementwise(16),
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
    start = np.linalg.norm(np.asarray(params["u"], dtype=float), axis=1)
    norms, errs = [], []
    for lr in lrs:
        err = 0.0  # magnitude the rounding of ||u_T||² accumulates at, step by step
        for step in _train_trace(impl, params, X, y, lr, problem["T"]):
            u, gamma, g, g_gamma, _ = step
            err = err + _step_scale(np.linalg.norm(u, axis=1), np.linalg.norm(g, axis=1),
                                    gamma, g_gamma, lr)
        norms.append(np.linalg.norm(step[4], axis=1))  # u_T, after the last step
        # d||u|| = d||u||² / (||u_T|| + ||u_T exact||), a magnitude the tolerance multiplies
        # by the relative rounding error δ, as it does ||u||; ||u_T exact|| ≥ ||u_0|| (eq 39),
        # so the divisor is 2||u_T|| down to ||u_0|| and ||u_T|| + ||u_0|| below it (finite
        # for a u_T of 0). (√(δ·d||u||²) is not of that form: taken as δ·√(d||u||²) it was
        # δ^½ too small, and a unit whose gradient is rounding noise, D = 1, refuted the
        # true one-step statement.)
        errs.append(err / (norms[-1] + np.maximum(norms[-1], start)))
    T = problem["T"]
    computed = dot(problem["D"]).times(4) + elementwise(16)
    return {
        f"||u_T|| at α={a1:.6g} <= at α={a2:.6g} (T={T})": Inequality(
            n1, n2, rounding=computed, scale=np.maximum(n1, n2) + e1 + e2)
        for a1, a2, n1, n2, e1, e2 in zip(lrs[:-1], lrs[1:], norms[:-1], norms[1:],
                                          errs[:-1], errs[1:], strict=True)
    }


# ---------------------------------------------------------------- corrected statements


@claim(
    id="norm.standardizes_nonconstant_groups",
    statement=(
        "For any shape N×C×F, after batch / layer / instance normalisation "
        "x̂ = (x-μ)/√(σ²+ε), every reduced group with σ² > 0 has mean 0 and variance "
        "σ²/(σ²+ε) → 1 as ε → 0; a group with σ² = 0 (one element, or equal elements) "
        "becomes 0."
    ),
    source=f"{SRC_2020} Q4.1",
    kind="exact",
    expected="holds",
    given=st.fixed_dictionaries(
        {"x": nct_tensors(), "kind": normalisation_kinds(), "eps": normalisation_eps()}),
    needs=("normalise",),
    pins=("normalise",),
    corrects="norm.standardizes",
    reading="As norm.standardizes: the ε-free group variance Var(x̂)·(σ²+ε)/σ² is compared "
            "with 1 for groups with σ² > 0 and with 0 for groups with σ² = 0.",
)
def standardizes_nonconstant_groups(example, impl, rng):
    return standardisation_evidence(example, impl, degenerate_groups_vanish=True)


@claim(
    id="norm.weightnorm_one_step_growth_with_lr",
    statement=(
        "One gradient-descent update from the same start uses the same gradient for every "
        "learning rate α, so ||u_1(α)||² = ||u_0||² + α²||∇_u L(u_0)||² for each "
        "weight-normalised hidden unit of a two-layer MLP, which grows with α: "
        "α1 < α2 ⇒ ||u_1(α1)|| ≤ ||u_1(α2)||."
    ),
    source=f"{SRC_2019} Q4.3 eq 39",
    kind="exact",
    expected="holds",
    given=st.fixed_dictionaries({"net": wn_mlp_problems(), "lrs": learning_rate_grids()}),
    needs=("wn_mlp_init", "wn_mlp_loss_and_grads", "wn_mlp_gd_step"),
    corrects="norm.weightnorm_growth_faster_with_larger_lr",
    reading="The network's T is not used: one step per rate of a generated increasing grid, "
            "every hidden unit, from the implementation's initial parameters.",
)
def weightnorm_one_step_growth_with_lr(example, impl, rng):
    problem, lrs = example["net"], example["lrs"]
    params, X, y = _start(impl, problem, rng)
    _, grads = impl.wn_mlp_loss_and_grads(params, X, y)
    u = np.asarray(params["u"], dtype=float)
    gamma = np.asarray(params["gamma"], dtype=float)
    g, g_gamma = np.asarray(grads["u"], dtype=float), np.asarray(grads["gamma"], dtype=float)
    nu, ng = np.linalg.norm(u, axis=1), np.linalg.norm(g, axis=1)
    computed = dot(problem["D"]).times(4) + elementwise(16)
    out, norms = {}, []
    for lr in lrs:
        u1 = np.asarray(impl.wn_mlp_gd_step(params, grads, lr)["u"], dtype=float)
        scale = _step_scale(nu, ng, gamma, g_gamma, lr)
        out[f"||u_1||² at α={lr:.6g}"] = Comparison(np.sum(u1**2, axis=1), nu**2 + lr**2 * ng**2,
                                                    rounding=computed, scale=scale)
        norms.append((lr, np.sum(u1**2, axis=1), scale))
    for (a1, n1, s1), (a2, n2, s2) in zip(norms[:-1], norms[1:], strict=True):
        out[f"||u_1||² at α={a1:.6g} <= at α={a2:.6g}"] = Inequality(
            n1, n2, rounding=computed, scale=s1 + s2)
    return out


# ---------------------------------------------------------------- the interface's functions

BATCHED_REDUCED = {"batch": (-3, -1), "layer": (-2, -1), "instance": (-1,)}
"""Axes of a ``(*batch, N, C, F)`` tensor each normalisation reduces over."""


def _groups_by_loops(x: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean, biased variance and largest |x| of each group of ``kind`` in a
    ``(*batch, N, C, F)`` tensor, with kept dimensions: one group at a time, each sum
    correctly rounded (math.fsum)."""
    axes = tuple(a % x.ndim for a in BATCHED_REDUCED[kind])
    kept = tuple(1 if a in axes else n for a, n in enumerate(x.shape))
    mean, var, top = np.empty(kept), np.empty(kept), np.empty(kept)
    for idx in np.ndindex(kept):
        where = tuple(slice(None) if a in axes else i for a, i in enumerate(idx))
        values = x[where].ravel().tolist()
        m = math.fsum(values) / len(values)
        mean[idx] = m
        var[idx] = math.fsum((v - m) ** 2 for v in values) / len(values)
        top[idx] = max(abs(v) for v in values)
    return mean, var, top


def _group_size(x: np.ndarray, kind: str) -> int:
    return int(np.prod([x.shape[a] for a in BATCHED_REDUCED[kind]]))


norm_problems = st.fixed_dictionaries({"x": batched_nct_tensors(), "eps": normalisation_eps()})
"""A tensor (*batch, N, C, F), unbatched or batched, and an ε."""


def _finite_or_refuted(name: str, value) -> dict | None:
    """A comparison that refutes when ``value`` has a NaN or infinite entry (the interface
    documents a finite value), or None when every entry is finite."""
    arr = np.asarray(value, dtype=float)
    if np.all(np.isfinite(arr)):
        return None
    return {f"{name}: every entry finite": Comparison(float(np.mean(np.isfinite(arr))), 1.0)}


@claim(
    id="norm.statistics_values",
    statement="norm_statistics(x, kind) returns the mean and the biased (1/m) variance of "
              "each reduced group (batch: over N and F per channel; layer: over C and F per "
              "example; instance: over F per example and channel), with the reduced axes "
              "kept, for every kind and every batch axis.",
    source="impl/interface.py norm_statistics",
    kind="exact",
    expected="holds",
    given=norm_problems,
    needs=("norm_statistics",),
    pins=("norm_statistics",),
    reading="Compared with the statistics of each group computed one group at a time (loops) "
            "with correctly rounded sums; the variance at the magnitude max|x|² of its "
            "group, which a one-pass E[x²] - E[x]² also meets.",
)
def statistics_values(example, impl, rng):
    x = example["x"]
    out = {}
    for kind in BATCHED_REDUCED:
        m = _group_size(x, kind)
        mean, var = impl.norm_statistics(x, kind)
        loop_mean, loop_var, top = _groups_by_loops(x, kind)
        out[f"{kind}: mean"] = Comparison(mean, loop_mean, rounding=dot(m) + elementwise(2),
                                          scale=top)
        out[f"{kind}: variance"] = Comparison(var, loop_var, rounding=dot(m) + elementwise(4),
                                              scale=top**2)
    return out


@claim(
    id="norm.normalise_values",
    statement="normalise(x, kind, ε) = (x - μ)/√(σ² + ε) with the group statistics of kind "
              "(biased variance, no affine scale or shift), for every kind, every ε > 0 and "
              "every batch axis; the input is left unchanged.",
    source="impl/interface.py normalise",
    kind="exact",
    expected="holds",
    given=norm_problems,
    needs=("normalise",),
    pins=("normalise",),
    reading="μ and σ² of each group by loops (correctly rounded sums). The rounding of μ "
            "is γ·max|x| and that of σ² up to γ·max|x|² (a one-pass variance), so x̂ is "
            "compared at the magnitude r + |x̂|·r², r = max|x|/√(σ²+ε) per group.",
)
def normalise_values(example, impl, rng):
    x, eps = example["x"], example["eps"]
    given = x.copy()
    out = {}
    for kind in BATCHED_REDUCED:
        m = _group_size(x, kind)
        xhat = impl.normalise(x, kind, eps)
        bad = _finite_or_refuted(f"{kind}-norm x̂", xhat)
        if bad:
            out.update(bad)
            continue
        mean, var, top = _groups_by_loops(x, kind)
        expected = (x - mean) / np.sqrt(var + eps)
        r = top / np.sqrt(var + eps)
        out[f"{kind}-norm x̂ (ε={eps:.3g})"] = Comparison(
            xhat, expected, rounding=dot(m) + elementwise(6),
            scale=r + np.abs(expected) * r**2)
    out["x unchanged"] = Comparison(x, given, rounding=elementwise(1))
    return out


@claim(
    id="norm.weight_norm_values",
    statement="weight_norm(u, γ) = γ u/||u|| along the last axis, for u (d,) or (*batch, d) "
              "and γ a scalar or one length per row.",
    source="impl/interface.py weight_norm",
    kind="exact",
    expected="holds",
    given=batched_directions(),
    needs=("weight_norm",),
    pins=("weight_norm",),
    reading="||u|| computed independently as √(Σ_j u_j²) per row.",
)
def weight_norm_values(example, impl, rng):
    u, gamma = example["u"], example["gamma"]
    norm = np.sqrt(np.sum(u * u, axis=-1, keepdims=True))
    expected = np.asarray(gamma, dtype=float)[..., None] * u / norm
    return Comparison(impl.weight_norm(u, gamma), expected,
                      rounding=dot(u.shape[-1]) + elementwise(4))


def _complex_step_grad_u(u: np.ndarray, gamma, grad_w: np.ndarray) -> np.ndarray:
    """∂/∂u_i of ∇_w Lᵀ (γ u/||u||) by the complex step: Im f(u + i h e_i)/h, computed
    with √(Σ u_j²) (analytic, unlike |·|); exact to rounding as h² vanishes."""
    d = u.shape[-1]
    h = 1e-30 * np.sqrt(np.sum(u * u, axis=-1))[..., None, None]
    U = u[..., None, :] + 1j * h * np.eye(d)  # row i: u + i h e_i
    w = np.asarray(gamma, dtype=float)[..., None, None] * U / np.sqrt(
        np.sum(U * U, axis=-1, keepdims=True))
    return np.sum(grad_w[..., None, :] * w, axis=-1).imag / h[..., 0]


@claim(
    id="norm.weight_norm_grad_u_values",
    statement="weight_norm_grad_u(u, γ, ∇_w L) is the chain rule through w = γ u/||u||: "
              "∂L/∂u_i = Σ_j ∂w_j/∂u_i ∂L/∂w_j, for u (d,) or (*batch, d), γ a scalar or per "
              "row, and any ∇_w L.",
    source="impl/interface.py weight_norm_grad_u; "
           f"{SRC_2020} Q4.3; {SRC_2019} Q4.2 eq 37",
    kind="exact",
    expected="holds",
    given=batched_directions(),
    needs=("weight_norm_grad_u",),
    pins=("weight_norm_grad_u",),
    reading="The derivative of ∇_w Lᵀ w(u) by the complex step on an independent complex-safe "
            "w(u) (no call to the implementation's weight_norm), compared at the magnitude "
            "|s|(|∇_w L| + |û|(|û|ᵀ|∇_w L|)), s = γ/||u||, û = u/||u||.",
)
def weight_norm_grad_u_values(example, impl, rng):
    u, gamma, grad_w = example["u"], example["gamma"], example["grad_w"]
    norm = np.sqrt(np.sum(u * u, axis=-1, keepdims=True))
    unit = np.abs(u) / norm
    s = np.abs(np.asarray(gamma, dtype=float))[..., None] / norm
    scale = s * (np.abs(grad_w) + unit * np.sum(unit * np.abs(grad_w), axis=-1, keepdims=True))
    return Comparison(impl.weight_norm_grad_u(u, gamma, grad_w),
                      _complex_step_grad_u(u, gamma, grad_w),
                      rounding=dot(u.shape[-1]).times(2) + elementwise(12), scale=scale)


WN_KEYS = ("u", "gamma", "beta", "v", "c")
"""The parameters of the weight-normalised MLP (impl/interface.py wn_mlp_init)."""


def _wn_shapes(D: int, H: int) -> dict[str, tuple[int, ...]]:
    return {"u": (H, D), "gamma": (H,), "beta": (H,), "v": (H,), "c": ()}


def _random_parameters(problem: dict, rng: np.random.Generator) -> tuple[dict, np.ndarray,
                                                                          np.ndarray]:
    """Parameters of every sign and size (γ ≠ 1, β ≠ 0, c ≠ 0: the values wn_mlp_init
    starts from would hide a missing γ or β) and data (X, y), drawn from ``rng``."""
    D, H, N = problem["D"], problem["H"], problem["N"]
    params = {"u": rng.standard_normal((H, D)), "gamma": 2.0 * rng.standard_normal(H),
              "beta": rng.standard_normal(H), "v": rng.standard_normal(H),
              "c": np.asarray(rng.standard_normal())}
    X = problem["x_scale"] * rng.standard_normal((N, D))
    y = problem["y_scale"] * rng.standard_normal(N)
    return params, X, y


def _mlp_forward(p: dict, X: np.ndarray, y: np.ndarray):
    """f(x) = vᵀ tanh(γ ⊙ (U x)/||u_row|| + β) + c and ½ mean (f - y)², batched over a
    leading axis of the parameters; complex-safe (√(Σu²), no |·|)."""
    u = p["u"]
    w = p["gamma"][..., None] * u / np.sqrt(np.sum(u * u, axis=-1, keepdims=True))
    a = np.einsum("...hd,nd->...nh", w, X) + p["beta"][..., None, :]
    h = np.tanh(a)
    f = np.einsum("...nh,...h->...n", h, p["v"]) + p["c"][..., None]
    return 0.5 * np.mean((f - y) ** 2, axis=-1), f, h, a


def _mlp_complex_step(params: dict, X: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    """∂L/∂p for every entry of every parameter, by the complex step on _mlp_forward: one
    perturbed copy of the parameters per entry, all evaluated at once."""
    sizes = {k: int(np.size(params[k])) for k in WN_KEYS}
    P = sum(sizes.values())
    h = 1e-30
    batch, start = {}, 0
    for k in WN_KEYS:
        base = np.asarray(params[k], dtype=complex).ravel()
        copies = np.broadcast_to(base, (P, base.size)).copy()
        copies[start + np.arange(base.size), np.arange(base.size)] += 1j * h
        batch[k] = copies.reshape(P, *np.shape(params[k]))
        start += base.size
    loss = _mlp_forward(batch, X, y)[0]
    grads, start = {}, 0
    for k in WN_KEYS:
        grads[k] = (loss.imag[start:start + sizes[k]] / h).reshape(np.shape(params[k]))
        start += sizes[k]
    return grads


def _mlp_gradient_scales(params: dict, X: np.ndarray, y: np.ndarray) -> tuple[float, dict]:
    """Magnitudes the loss and each gradient are computed at: the residual f - y at
    R_n = |f_n - y_n| + |y_n| + Σ_i |v_i h_ni| + |c| (its own rounding), a pre-activation at
    A_ni = |γ_i|/||u_i|| Σ_j |u_ij x_nj| + |β_i|, and each gradient as the mean over the
    examples of R_n times the absolute values along its chain of derivatives."""
    loss, f, h, _ = _mlp_forward({k: np.asarray(params[k], float) for k in WN_KEYS}, X, y)
    u, gamma = np.asarray(params["u"], float), np.asarray(params["gamma"], float)
    beta, v, c = (np.asarray(params[k], float) for k in ("beta", "v", "c"))
    norm = np.linalg.norm(u, axis=1)
    unit = np.abs(u) / norm[:, None]
    R = np.abs(f - y) + np.abs(y) + np.abs(h) @ np.abs(v) + np.abs(c)  # (N,)
    A = (np.abs(gamma) / norm) * (np.abs(X) @ np.abs(u).T) + np.abs(beta)  # (N, H)
    chain = R[:, None] * np.abs(v) * (1.0 + 2.0 * A)  # |∂L/∂a| magnitude, (N, H)
    proj = np.abs(X) @ unit.T  # |û_i|ᵀ|x_n|, (N, H)
    N = X.shape[0]
    scales = {
        "c": np.asarray(R.mean()),
        "v": (R[:, None] * (np.abs(h) + A)).mean(axis=0),
        "beta": chain.mean(axis=0),
        "gamma": (chain * proj).mean(axis=0),
        "u": (np.abs(gamma) / norm)[:, None] * (
            np.einsum("nh,nd->hd", chain, np.abs(X)) + unit * (chain * proj).sum(axis=0)[:, None]
        ) / N,
    }
    return float(np.mean(R**2)), scales


mlp_problems = st.fixed_dictionaries({"net": wn_mlp_problems()})
"""Sizes and scales of a weight-normalised MLP; its parameters and data are drawn from the
claim's generator."""


def _mlp_rounding(problem: dict):
    return (dot(problem["D"]) + dot(problem["H"]) + dot(problem["N"]) + elementwise(16))


@claim(
    id="norm.wn_mlp_loss_and_grads_values",
    statement="wn_mlp_loss_and_grads(params, X, y) returns the loss ½ mean_n (f(x_n) - y_n)² "
              "of f(x) = vᵀ tanh(γ ⊙ (U x)/||u_row|| + β) + c and its gradient for every "
              "parameter u, γ, β, v, c, each shaped like the parameter; the inputs are left "
              "unchanged.",
    source="impl/interface.py wn_mlp_loss_and_grads; "
           f"{SRC_2019} Q4.3",
    kind="exact",
    expected="holds",
    given=mlp_problems,
    needs=("wn_mlp_loss_and_grads",),
    pins=("wn_mlp_loss_and_grads",),
    reading="Parameters of every sign and size (not the implementation's initial ones) and "
            "data from the claim's generator. The loss is compared with an independent "
            "forward pass, every gradient entry with the complex-step derivative of that "
            "forward pass (exact to rounding for a tanh network), at the magnitudes the "
            "computation works at (the residual, the pre-activations, the chain of "
            "derivatives in absolute value).",
)
def wn_mlp_loss_and_grads_values(example, impl, rng):
    problem = example["net"]
    params, X, y = _random_parameters(problem, rng)
    given = {k: v.copy() for k, v in params.items()}, X.copy(), y.copy()
    loss, grads = impl.wn_mlp_loss_and_grads(params, X, y)
    loss_scale, scales = _mlp_gradient_scales(params, X, y)
    reference = _mlp_complex_step(params, X, y)
    computed = _mlp_rounding(problem)
    out = {"keys of grads = {u, gamma, beta, v, c}": Comparison(
        float(set(grads) == set(WN_KEYS)), 1.0)}
    bad = _finite_or_refuted("loss", loss)
    out.update(bad or {"loss": Comparison(
        np.asarray(loss, dtype=float),
        np.asarray(_mlp_forward(params, X, y)[0]), rounding=computed, scale=loss_scale)})
    for k in WN_KEYS:
        if k in grads:
            bad = _finite_or_refuted(f"∂L/∂{k}", grads[k])
            out.update(bad or {f"∂L/∂{k}": Comparison(
                np.asarray(grads[k], dtype=float), reference[k], rounding=computed,
                scale=scales[k])})
    out["params, X, y unchanged"] = Comparison(
        np.concatenate([np.ravel(params[k]) for k in WN_KEYS] + [X.ravel(), y]),
        np.concatenate([np.ravel(given[0][k]) for k in WN_KEYS] + [given[1].ravel(),
                                                                   given[2]]),
        rounding=elementwise(1))
    return out


@claim(
    id="norm.wn_mlp_gd_step_values",
    statement="wn_mlp_gd_step(params, grads, lr) returns a new dict with p - lr ∇_p L for "
              "every parameter u, γ, β, v, c, each shaped like the parameter, and leaves "
              "params and grads unchanged.",
    source="impl/interface.py wn_mlp_gd_step",
    kind="exact",
    expected="holds",
    given=st.fixed_dictionaries({"net": wn_mlp_problems(),
                                 "lr": st.one_of(st.just(0.1), st.floats(1e-3, 10.0))}),
    needs=("wn_mlp_gd_step",),
    pins=("wn_mlp_gd_step",),
    reading="Parameters and gradients of every sign drawn from the claim's generator (no "
            "gradient entry is 0, so a skipped parameter shows).",
)
def wn_mlp_gd_step_values(example, impl, rng):
    problem, lr = example["net"], example["lr"]
    params, _, _ = _random_parameters(problem, rng)
    grads = {k: np.asarray(rng.standard_normal(np.shape(v))) for k, v in params.items()}
    before = {k: (params[k].copy(), grads[k].copy()) for k in WN_KEYS}
    new = impl.wn_mlp_gd_step(params, grads, lr)
    out = {"keys = {u, gamma, beta, v, c}": Comparison(float(set(new) == set(WN_KEYS)), 1.0)}
    for k in WN_KEYS:
        if k in new:
            p, g = before[k]
            out[f"{k} - lr ∇_{k} L"] = Comparison(np.asarray(new[k], dtype=float), p - lr * g,
                                                  rounding=elementwise(2),
                                                  scale=np.abs(p) + lr * np.abs(g))
    out["params and grads unchanged"] = Comparison(
        np.concatenate([np.ravel(x) for k in WN_KEYS for x in (params[k], grads[k])]),
        np.concatenate([np.ravel(x) for k in WN_KEYS for x in before[k]]),
        rounding=elementwise(1))
    return out


@claim(
    id="norm.wn_mlp_init_contract",
    statement="wn_mlp_init(D, H, rng) returns a dict of finite float arrays with exactly the "
              "keys u (H, D), gamma (H,), beta (H,), v (H,) and c (), with no zero row of u "
              "(each hidden unit has a direction).",
    source="impl/interface.py wn_mlp_init",
    kind="exact",
    expected="holds",
    given=mlp_problems,
    needs=("wn_mlp_init",),
    pins=("wn_mlp_init",),
    reading="The interface leaves the initial values to the implementation; their keys, "
            "shapes and dtype, finiteness and ||u_row|| > 0 (w = γu/||u|| needs it) are "
            "its contract.",
)
def wn_mlp_init_contract(example, impl, rng):
    D, H = example["net"]["D"], example["net"]["H"]
    params = impl.wn_mlp_init(D, H, rng)
    out = {"keys = {u, gamma, beta, v, c}": Comparison(float(set(params) == set(WN_KEYS)), 1.0)}
    for k, shape in _wn_shapes(D, H).items():
        if k not in params:
            continue
        p = np.asarray(params[k])
        out[f"{k}: shape {shape}"] = Comparison(np.array(p.shape, dtype=float),
                                                np.array(shape, dtype=float))
        out[f"{k}: finite floats"] = Comparison(
            float(np.issubdtype(p.dtype, np.floating) and bool(np.all(np.isfinite(p)))), 1.0)
    if "u" in params and np.shape(params["u"]) == (H, D):
        out["every row of u nonzero"] = Comparison(
            float(np.all(np.linalg.norm(np.asarray(params["u"], dtype=float), axis=1) > 0)), 1.0)
    return out
