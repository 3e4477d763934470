"""The optional compiled scanner for Claude Code transcripts (everything else is in pyproject.toml).

`optional=True`: where no C compiler is available the install still succeeds, and
planner.usage.claude_code uses its pure-Python scan (same results, about three times the time).
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("planner.usage._ccscan", ["planner/usage/_ccscan.c"], optional=True)])
