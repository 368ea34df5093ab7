"""Shared test set-up. Tests run against the real PostgreSQL that DATABASE_URL names
(./dev test starts a private cluster when it is unset); pytest-django creates test_<name>."""
