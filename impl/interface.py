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
* no function keeps state between calls.

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
"""

FUNCTIONS = {
    "momentum": ("momentum_updates", "running_average_updates", "running_average",
                 "bias_corrected_average"),
    "init": ("init_weight", "init_variance", "linear", "relu"),
}
"""Function names of the interface, by subject (documentation above)."""
