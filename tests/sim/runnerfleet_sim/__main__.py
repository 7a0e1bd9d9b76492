# SPDX-License-Identifier: Apache-2.0
"""python3 -m runnerfleet_sim"""

import sys

from .main import main

sys.exit(main())
