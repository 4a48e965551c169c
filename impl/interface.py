"""The interface an implementation supplies: every function a claim may call.

An implementation is a Python module (``--impl=numpy``, ``--impl=torch`` or
``--impl=your.module``) defining any subset of the functions below; a claim lists the
names it needs and is reported *not applicable* when one is missing.

Conventions for every function:

* arrays are ``numpy.ndarray`` of ``float64`` in and out (an implementation that computes
  in another dtype converts at the boundary; tolerances are derived for float64, so a
  float32 implementation must say so through ``DTYPE = numpy.float32`` at module level);
* leading *batch* axes carry independent Monte-Carlo replicates: an implementation must
  treat them independently and vectorise over them;
* randomness: a function that draws random numbers takes ``rng``, a
  ``numpy.random.Generator`` built by the engine from the seed of the example, and must
  draw only from it (a framework may seed its own generator from ``rng.integers``), so
  that replaying an example reproduces the computation to the bit;
* no function keeps state between calls or changes its arguments.

Optimisers (subject ``momentum``)
---------------------------------
``momentum_updates(g, alpha, eps) -> dtheta``
    SGD with momentum, ``v_t = α v_{t-1} + ε g_t``, ``Δθ_t = -v_t``, ``v_0 = 0``.
    ``g`` has shape ``(T, *batch)`` (time first); returns ``Δθ`` of the same shape.
``running_average_updates(g, beta, delta) -> dtheta``
    SGD with a running average, ``v_t = β v_{t-1} + (1-β) g_t``, ``Δθ_t = -δ v_t``.
``running_average(g, beta) -> v``
    The running average ``v_t`` itself, shape ``(T, *batch)``.
``bias_corrected_average(g, beta) -> vhat``
    ``v_t / (1 - β^t)``, as Adam's first moment, shape ``(T, *batch)``.

Initialisation and dense layers (subject ``init``)
--------------------------------------------------
``init_weight(scheme, fan_in, fan_out, rng, batch) -> W``
    ``batch`` independent draws of a ``fan_out × fan_in`` weight matrix, shape
    ``(batch, fan_out, fan_in)``. ``scheme`` is one of ``lecun_normal`` (N(0, 1/fan_in)),
    ``lecun_uniform`` (U(±√(3/fan_in))), ``he_normal`` (N(0, 2/fan_in)), ``he_uniform``
    (U(±√(6/fan_in))), ``glorot_normal`` (N(0, 2/(fan_in+fan_out))), ``glorot_uniform``
    (U(±√(6/(fan_in+fan_out)))), ``framework_default`` (what the framework's dense layer
    does when constructed, if it has one).
``init_variance(scheme, fan_in, fan_out) -> float``
    The variance of one weight under ``scheme``, as the implementation defines it.
``linear(h, W, b) -> a``
    ``a = W h + b`` batched: ``h`` ``(*batch, fan_in)``, ``W`` ``(*batch, fan_out, fan_in)``,
    ``b`` broadcastable to ``(*batch, fan_out)``.
``relu(a) -> h``
    ``max(a, 0)`` elementwise.

A framework's own initialisers (subject ``framework``; only frameworks define these)
-----------------------------------------------------------------------------------
``framework_initializer(name, fan_in, fan_out, rng, batch) -> W``
    ``batch`` draws, shape ``(batch, fan_out, fan_in)``, of the framework's initialiser
    ``name`` (``kaiming_normal``, ``kaiming_uniform``, ``xavier_normal``,
    ``xavier_uniform``) called with its *default* arguments on one weight matrix at a time.
``framework_initializer_variance(name, fan_in, fan_out) -> float``
    The variance of one weight the framework's documented formula gives for ``name`` with
    default arguments (from the framework's own gain and fan computations).
``framework_linear_init(fan_in, fan_out, rng, batch) -> (W, b)``
    The parameters of ``batch`` freshly constructed dense layers (``W``
    ``(batch, fan_out, fan_in)``, ``b`` ``(batch, fan_out)``), as the framework's
    constructor initialises them.

Recurrent networks (subjects ``rnn`` and ``birnn``)
---------------------------------------------------
Activations are named by strings: ``"sigmoid"`` (γ = sup|σ'| = 1/4), ``"tanh"`` (γ = 1),
``"identity"`` (γ = 1), and ``"scaled_sigmoid:a:k"`` / ``"scaled_tanh:a:k"`` for
``a·sigmoid(k x)`` / ``a·tanh(k x)`` (``a``, ``k`` written as Python floats; γ = |a|k/4,
|a|k). Sequences are time first: ``x`` is ``(T, p)`` or ``(T, *batch, p)``; states are
``(*batch, d)``; every weight may be ``(rows, cols)`` or carry the same leading batch axes.

``activation(name, a) -> s`` and ``activation_derivative(name, a) -> ds``
    σ(a) and σ'(a) elementwise.
``rnn_hidden_states(W, U, b, x, h0, name) -> h``
    ``h_t = W σ(h_{t-1}) + U x_t + b``; returns h_0..h_T, shape ``(T+1, *batch, d)``.
``rnn_conventional_states(W, U, b, x, g0, name) -> g``
    ``g_t = σ(W g_{t-1} + U x_t + b)``; returns g_0..g_T, shape ``(T+1, *batch, d)``.
``rnn_step_jacobian(W, h_prev, name) -> J``
    ``∂h_t/∂h_{t-1}`` at ``h_prev`` (``(*batch, d)``), shape ``(*batch, d, d)``.
``rnn_jacobian_through_time(W, U, b, x, h0, name) -> J``
    ``∂h_T/∂h_0`` along the trajectory from ``h0`` (the identity when T = 0).
``operator_norm(A) -> float`` and ``largest_eigenvalue(S) -> float``
    The L2 operator norm ``max_{|x|=1} |A x|`` and λ_1 of a symmetric ``S``, batched over
    leading axes.
``birnn_forward(params, x, hf0, hbT1, offsets=None) -> {"hf", "hb", "y"}``
    The bidirectional RNN ``h^f_t = sigmoid(W^f x_t + U^f h^f_{t-1})``,
    ``h^b_t = sigmoid(W^b x_t + U^b h^b_{t+1})``, ``y_t = V^f h^f_t + V^b h^b_t``;
    ``params`` is a dict of ``Wf, Uf, Wb, Ub`` (``(d, p)``, ``(d, d)``) and ``Vf, Vb``
    (``(k, d)``). Returns ``hf`` = h^f_0..h^f_T and ``hb`` = h^b_1..h^b_{T+1} (each
    ``(T+1, *batch, d)``) and ``y`` = y_1..y_T (``(T, *batch, k)``). ``offsets`` (dict with
    optional ``"f"``, ``"b"`` shaped like ``hf``, ``hb``) are added to each state as it is
    computed, before anything downstream uses it: the derivative with respect to an offset
    at 0 is the gradient with respect to that state as an intervention variable.
``birnn_step_losses(y, z) -> L``
    ``L_t = ||z_t - y_t||²``, shape ``(T, *batch)``; the loss is ``L = Σ_t L_t``.
``birnn_backward(params, x, z, hf0, hbT1) -> grads``
    ``∇L`` by reverse-mode accumulation (unbatched): ``"hf"`` (w.r.t. h^f_0..h^f_T),
    ``"hb"`` (w.r.t. h^b_1..h^b_{T+1}), each ``(T+1, d)``, and one entry per parameter.

Normalisation and weight normalisation (subject ``normalisation``)
------------------------------------------------------------------
Activation tensors are ``(*batch, N, C, F)`` (examples, channels, features). ``kind`` is
``"batch"`` (reduces over N and F for each channel), ``"layer"`` (over C and F for each
example) or ``"instance"`` (over F for each example and channel); variances are biased (1/m).

``norm_statistics(x, kind) -> (mean, var)``
    Mean and variance of each reduced group, with the reduced axes kept (size 1), e.g.
    ``(*batch, 1, C, 1)`` for batch norm.
``normalise(x, kind, eps) -> xhat``
    ``(x - mean) / sqrt(var + eps)`` with those statistics (no affine scale or shift).
``weight_norm(u, gamma) -> w``
    ``w = γ u / ||u||`` along the last axis; ``u`` ``(*batch, d)``, ``gamma`` broadcastable
    to ``batch``.
``weight_norm_grad_u(u, gamma, grad_w) -> grad_u``
    ``∇_u L`` given ``∇_w L`` (shape of ``u``), by the implementation's own differentiation
    of ``w = γ u/||u||``.
``wn_mlp_init(n_in, n_hidden, rng) -> params``
    Initial parameters of the two-layer MLP ``f(x) = vᵀ tanh(γ ⊙ (U x)/||u_row|| + β) + c``
    whose hidden units are weight-normalised, as a dict of float arrays: ``"u"``
    ``(H, D)`` (one nonzero direction per hidden unit, row-wise), ``"gamma"`` ``(H,)``, ``"beta"``
    ``(H,)``, ``"v"`` ``(H,)`` (output weights) and ``"c"`` ``()`` (output bias). The loss
    on data ``X`` ``(N, D)``, ``y`` ``(N,)`` is ``½ mean_n (f(x_n) - y_n)²``.
``wn_mlp_loss_and_grads(params, X, y) -> (loss, grads)``
    The loss (a float) and its gradient for every parameter, ``grads`` a dict with the keys
    and shapes of ``params``.
``wn_mlp_gd_step(params, grads, lr) -> params``
    One gradient-descent step ``p - lr ∇_p L`` on every parameter (a new dict).

Dropout and ridge (subjects dropout, ridge)
-------------------------------------------
Linear regression with data ``X`` ``(n, d)``, targets ``y`` ``(n,)``, weights ``w`` ``(d,)``.
Masks are *keep* masks: ``R_ij ~ Bern(p)`` i.i.d., entries 0.0 or 1.0, no 1/p rescaling.
``Γ² = diag(XᵀX)``, ``λ = (1-p)/p``.

``dropout_mask(shape, p, rng) -> R``
    A keep mask of the given shape, e.g. ``(batch, n, d)`` for ``batch`` replicates.
``dropout_loss(X, y, w, R) -> L``
    ``||y - (X⊙R) w||²`` for ``R`` ``(*batch, n, d)`` and ``w`` ``(d,)`` or broadcastable as
    ``(*batch, d)``; shape ``batch``.
``dropout_lambda(p) -> λ``
    The regularisation coefficient ``(1-p)/p`` of dropout with keep probability ``p``.
``dropout_minimizer(X, y, p) -> w``
    The minimiser of ``E_R[L(w)]``: ``p w = (XᵀX + λΓ²)^{-1} Xᵀy`` (XᵀX + λΓ² invertible).
``ridge_minimizer(X, y, lam) -> w``
    ``(XᵀX + λI)^{-1} Xᵀy``, the minimiser of ``||y - Xw||² + λ||w||²``.
``sample_average_dropout_minimizer(X, y, R) -> w``
    A minimiser of ``(1/K) Σ_k ||y - (X⊙R_k) w||²`` for ``R`` ``(*batch, K, n, d)``
    (any minimiser when it is not unique); shape ``(*batch, d)``.
"""

import numpy as np

FUNCTIONS = {
    "momentum": ("momentum_updates", "running_average_updates", "running_average",
                 "bias_corrected_average"),
    "init": ("init_weight", "init_variance", "linear", "relu"),
    "framework": ("framework_initializer", "framework_initializer_variance",
                  "framework_linear_init"),
    "rnn": ("activation", "activation_derivative", "rnn_hidden_states",
            "rnn_conventional_states", "rnn_step_jacobian", "rnn_jacobian_through_time",
            "operator_norm", "largest_eigenvalue"),
    "birnn": ("birnn_forward", "birnn_step_losses", "birnn_backward"),
    "normalisation": ("norm_statistics", "normalise", "weight_norm", "weight_norm_grad_u",
                      "wn_mlp_init", "wn_mlp_loss_and_grads", "wn_mlp_gd_step"),
    "dropout": ("dropout_mask", "dropout_loss", "dropout_lambda", "dropout_minimizer",
                "sample_average_dropout_minimizer"),
    "ridge": ("ridge_minimizer",),
}
"""Function names of the interface, by subject (documentation above)."""

ALL_FUNCTIONS: tuple[str, ...] = tuple(f for names in FUNCTIONS.values() for f in names)
"""Every function name of the interface, in the order above."""

PARAMETERS: dict[str, tuple[str, ...]] = {
    "momentum_updates": ("g", "alpha", "eps"),
    "running_average_updates": ("g", "beta", "delta"),
    "running_average": ("g", "beta"),
    "bias_corrected_average": ("g", "beta"),
    "init_weight": ("scheme", "fan_in", "fan_out", "rng", "batch"),
    "init_variance": ("scheme", "fan_in", "fan_out"),
    "linear": ("h", "W", "b"),
    "relu": ("a",),
    "framework_initializer": ("name", "fan_in", "fan_out", "rng", "batch"),
    "framework_initializer_variance": ("name", "fan_in", "fan_out"),
    "framework_linear_init": ("fan_in", "fan_out", "rng", "batch"),
    "activation": ("name", "a"),
    "activation_derivative": ("name", "a"),
    "rnn_hidden_states": ("W", "U", "b", "x", "h0", "name"),
    "rnn_conventional_states": ("W", "U", "b", "x", "g0", "name"),
    "rnn_step_jacobian": ("W", "h_prev", "name"),
    "rnn_jacobian_through_time": ("W", "U", "b", "x", "h0", "name"),
    "operator_norm": ("A",),
    "largest_eigenvalue": ("S",),
    "birnn_forward": ("params", "x", "hf0", "hbT1", "offsets"),
    "birnn_step_losses": ("y", "z"),
    "birnn_backward": ("params", "x", "z", "hf0", "hbT1"),
    "norm_statistics": ("x", "kind"),
    "normalise": ("x", "kind", "eps"),
    "weight_norm": ("u", "gamma"),
    "weight_norm_grad_u": ("u", "gamma", "grad_w"),
    "wn_mlp_init": ("n_in", "n_hidden", "rng"),
    "wn_mlp_loss_and_grads": ("params", "X", "y"),
    "wn_mlp_gd_step": ("params", "grads", "lr"),
    "dropout_mask": ("shape", "p", "rng"),
    "dropout_loss": ("X", "y", "w", "R"),
    "dropout_lambda": ("p",),
    "dropout_minimizer": ("X", "y", "p"),
    "ridge_minimizer": ("X", "y", "lam"),
    "sample_average_dropout_minimizer": ("X", "y", "R"),
}
"""The arguments of each function, in order, as the documentation above names them."""


TIME_FIRST: dict[str, bool | tuple[str, ...]] = {
    "momentum_updates": True,
    "running_average_updates": True,
    "running_average": True,
    "bias_corrected_average": True,
    "rnn_hidden_states": True,
    "rnn_conventional_states": True,
    "birnn_forward": ("hf", "hb", "y"),
    "birnn_step_losses": True,
    "birnn_backward": ("hf", "hb"),
}
"""The outputs whose first axis is time (steps 0..T or 1..T), by function: ``True`` where the
function returns one such array, the keys of those arrays where it returns a dict. Functions
not named here return nothing indexed by time."""


class Outputs(tuple):
    """The shapes of a function returning several values (a tuple), in order."""


class Either(frozenset):
    """Several shapes an array may have (a state that may or may not carry batch axes it
    does not depend on)."""


def _s(a) -> tuple[int, ...]:
    return tuple(np.shape(a))


def _batch(*shapes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(np.broadcast_shapes(*shapes))


def _steps(a) -> tuple[int, ...]:
    """States h_0..h_T of a recurrence over x ``(T, *batch, p)`` from h0 ``(*batch, d)``."""
    h0 = "h0" if "h0" in a else "g0"
    batch = _batch(_s(a["x"])[1:-1], _s(a[h0])[:-1], _s(a["W"])[:-2], _s(a["U"])[:-2])
    return (_s(a["x"])[0] + 1, *batch, _s(a["W"])[-1])


def _birnn(a) -> dict:
    """h^f depends on x, h^f_0, its offsets and W^f, U^f; h^b on x, h^b_{T+1}, its offsets
    and W^b, U^b: each carries the batch axes of what it depends on (or all of them)."""
    P, off = a["params"], a.get("offsets") or {}
    T, d, k = _s(a["x"])[0], _s(P["Uf"])[-1], _s(P["Vf"])[-2]

    def side(h0: str, o: str, W: str, U: str) -> tuple[int, ...]:
        extra = [_s(off[o])[1:-1]] if off.get(o) is not None else []
        return _batch(_s(a["x"])[1:-1], _s(a[h0])[:-1], _s(P[W])[:-2], _s(P[U])[:-2], *extra)

    bf, bb = side("hf0", "f", "Wf", "Uf"), side("hbT1", "b", "Wb", "Ub")
    full = _batch(bf, bb, _s(P["Vf"])[:-2], _s(P["Vb"])[:-2])
    return {"hf": Either({(T + 1, *bf, d), (T + 1, *full, d)}),
            "hb": Either({(T + 1, *bb, d), (T + 1, *full, d)}), "y": (T, *full, k)}


def _params(a) -> dict:
    return {key: _s(value) for key, value in a["params"].items()}


def _reduced(a) -> tuple[int, ...]:
    axes = {"batch": (-3, -1), "layer": (-2, -1), "instance": (-1,)}[a["kind"]]
    shape = list(_s(a["x"]))
    for axis in axes:
        shape[axis] = 1
    return tuple(shape)


SHAPES = {
    "momentum_updates": lambda a: _s(a["g"]),
    "running_average_updates": lambda a: _s(a["g"]),
    "running_average": lambda a: _s(a["g"]),
    "bias_corrected_average": lambda a: _s(a["g"]),
    "init_weight": lambda a: (a["batch"], a["fan_out"], a["fan_in"]),
    "init_variance": lambda a: (),
    "linear": lambda a: _batch(_s(a["h"])[:-1] + _s(a["W"])[-2:-1],
                               _s(a["W"])[:-2] + _s(a["W"])[-2:-1], _s(a["b"])),
    "relu": lambda a: _s(a["a"]),
    "framework_initializer": lambda a: (a["batch"], a["fan_out"], a["fan_in"]),
    "framework_initializer_variance": lambda a: (),
    "framework_linear_init": lambda a: Outputs([(a["batch"], a["fan_out"], a["fan_in"]),
                                                (a["batch"], a["fan_out"])]),
    "activation": lambda a: _s(a["a"]),
    "activation_derivative": lambda a: _s(a["a"]),
    "rnn_hidden_states": _steps,
    "rnn_conventional_states": _steps,
    "rnn_step_jacobian": lambda a: _batch(_s(a["h_prev"])[:-1], _s(a["W"])[:-2])
    + _s(a["W"])[-1:] * 2,
    "rnn_jacobian_through_time": lambda a: _steps(a)[1:-1] + _s(a["W"])[-1:] * 2,
    "operator_norm": lambda a: _s(a["A"])[:-2],
    "largest_eigenvalue": lambda a: _s(a["S"])[:-2],
    "birnn_forward": _birnn,
    "birnn_step_losses": lambda a: _batch(_s(a["y"]), _s(a["z"]))[:-1],
    "birnn_backward": lambda a: {
        "hf": (_s(a["x"])[0] + 1, _s(a["params"]["Uf"])[-1]),
        "hb": (_s(a["x"])[0] + 1, _s(a["params"]["Uf"])[-1]), **_params(a)},
    "norm_statistics": lambda a: Outputs([_reduced(a), _reduced(a)]),
    "normalise": lambda a: _s(a["x"]),
    "weight_norm": lambda a: _batch(_s(a["u"]), _s(a["gamma"]) + (1,)),
    "weight_norm_grad_u": lambda a: _s(a["u"]),
    "wn_mlp_init": lambda a: {"u": (a["n_hidden"], a["n_in"]), "gamma": (a["n_hidden"],),
                              "beta": (a["n_hidden"],), "v": (a["n_hidden"],), "c": ()},
    "wn_mlp_loss_and_grads": lambda a: Outputs([(), _params(a)]),
    "wn_mlp_gd_step": lambda a: _params(a),
    "dropout_mask": lambda a: tuple(a["shape"]),
    "dropout_loss": lambda a: _batch(_s(a["R"])[:-2], _s(a["w"])[:-1]),
    "dropout_lambda": lambda a: (),
    "dropout_minimizer": lambda a: _s(a["X"])[-1:],
    "ridge_minimizer": lambda a: _s(a["X"])[-1:],
    "sample_average_dropout_minimizer": lambda a: _s(a["R"])[:-3] + _s(a["X"])[-1:],
}
"""The shape each function returns, from its arguments by name: a tuple for an array (``()``
for a number), a dict for a dict of arrays, :class:`Outputs` for several return values.
The engine checks every value an implementation returns against it."""
