"""Test configuration: Hypothesis profiles and the false-alarm budget of statistical tests.

Profiles: ``dev`` (default), ``ci`` (selected when ``CI`` is set: derandomized, so CI runs are
reproducible) and ``thorough`` (``HYPOTHESIS_PROFILE=thorough``: many more examples).

Statistical tests draw ``max_examples`` parameter points and test each at level
``TEST_FAMILY_ALPHA / max_examples`` (Bonferroni), so one such test raises a false alarm with
probability at most ``TEST_FAMILY_ALPHA``.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=25, deadline=None)
settings.register_profile(
    "ci", max_examples=25, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("thorough", max_examples=300, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

TEST_FAMILY_ALPHA = 1e-4
"""False-alarm rate of one statistical test (all its examples together)."""
