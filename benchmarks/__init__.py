"""Benchmarks of the harness: suite wall time, samples per claim, calibration, throughput.

Run with ``python -m benchmarks`` (never by the test suite); it prints a table and writes
``benchmarks/results.json``.
"""
