"""Security tests: abuse of a real server on loopback."""
