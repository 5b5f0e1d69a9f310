"""``robot daemon`` and ``robot schedule …`` (filled in by the daemon work)."""
