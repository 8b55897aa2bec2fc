"""`python -m sanctuarywatch.cli`: the same as the `sanctuarywatch` command."""

from sanctuarywatch.cli import main

main()
