"""python travelled.py ISO-TIME MODULE ARGS...: run `python -m MODULE ARGS` with the clock set to ISO-TIME.

The suite runs at a frozen today (tests/conftest.py); the app and the worker that a fault test
starts as processes of their own share it, so that their dates and the test's agree.
"""

import runpy
import sys
from datetime import datetime

import time_machine

destination, module, *arguments = sys.argv[1:]
time_machine.travel(datetime.fromisoformat(destination), tick=True).start()
sys.argv = [module, *arguments]
runpy.run_module(module, run_name="__main__", alter_sys=True)
