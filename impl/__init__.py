"""Implementations under test. ``interface.py`` documents the functions a claim may call;
``numpy_ref`` is the reference; ``torch_impl`` checks PyTorch (optional extra)."""
