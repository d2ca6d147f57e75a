"""``python -m tcmkg``."""

from tcmkg.cli import main

main()
