"""Shared pytest configuration: a deterministic hypothesis profile."""

from hypothesis import HealthCheck, settings

# Deterministic (derandomized) property tests with no per-example deadline:
# timing varies on a loaded 2-core machine, correctness does not.
settings.register_profile(
    "course",
    derandomize=True,
    deadline=None,
    max_examples=60,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("course")
