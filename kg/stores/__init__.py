"""Store backends. Importing this package registers every backend with :mod:`kg.store`.

A new backend is one module here plus one import line below.
"""

from kg.stores import oxigraph  # noqa: F401
