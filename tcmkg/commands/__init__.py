"""CLI command modules. Each module defines ``register(app)``; :mod:`tcmkg.cli` lists them."""
