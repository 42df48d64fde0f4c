from safelog.cli import main

raise SystemExit(main())
