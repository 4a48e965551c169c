"""Registers the claims engine as a pytest plugin for this checkout.

Before anything imports numpy (or torch), the BLAS and OpenMP pools are set to one thread
unless the user chose otherwise: ``pytest -n auto`` already runs one worker per core, the
matrices of the claims are small, and a pool per worker on top oversubscribes the cores
(measured on 2 cores: 66 s with the pools' default against 58 s with one thread each).
"""

import os

for _pool in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_pool, "1")

pytest_plugins = ["harness.plugin"]
