"""Small user implementations named with ``--impl=tests.user_impls.<name>`` in the tests."""
