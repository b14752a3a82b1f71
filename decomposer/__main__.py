import sys

from decomposer.cli.main import main

sys.exit(main())
