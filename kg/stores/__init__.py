"""Store backends. Importing this package registers every backend with :mod:`kg.store`.

A new backend is one module here plus one import line below.
"""

import kg.stores.sparql_remote  # noqa: F401
from kg.stores import oxigraph  # noqa: F401
