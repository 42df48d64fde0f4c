"""Entry point of the frozen app: the same `safelog` command as the console script."""

from safelog.cli import main

raise SystemExit(main())
