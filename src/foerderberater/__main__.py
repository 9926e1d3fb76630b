from foerderberater.cli import main

raise SystemExit(main())
