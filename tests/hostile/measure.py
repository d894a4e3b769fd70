"""Run a command and write its peak resident memory (KiB, from wait4) to a file.

A child's peak memory counts the memory of the process that forked it, up to its exec: forked
from a test runner that already holds hundreds of megabytes, `aims` would look that large
before doing anything. This small launcher forks it instead, so the figure is aims's own.
"""

import os
import signal
import subprocess
import sys

if __name__ == "__main__":
    report, command = sys.argv[1], sys.argv[2:]
    process = subprocess.Popen(command)
    signal.signal(signal.SIGTERM, lambda *_: process.kill())  # the test's time ceiling ends both
    _, status, usage = os.wait4(process.pid, 0)
    with open(report, "w") as handle:
        handle.write(str(usage.ru_maxrss))
    code = os.waitstatus_to_exitcode(status)
    sys.exit(code if code >= 0 else 128 - code)
