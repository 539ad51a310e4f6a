from gobuildpack.cli import main

raise SystemExit(main())
