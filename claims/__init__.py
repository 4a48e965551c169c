"""The catalogue: one module per subject, each declaring its claims with ``harness.claim``."""
