"""polyverify test suite (a package, so tests can share tests/conftest.py constants)."""
