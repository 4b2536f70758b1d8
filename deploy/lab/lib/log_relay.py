#!/usr/bin/python3
"""Copies a gateway's access-log lines to the log agents read, each one DELAY ms late.

    log_relay.py --in RAW --out LOG --delay-ms MS --pid-file FILE

The lab's --log-delay: the egress gateway's nginx writes RAW, and this relay appends each
complete line to LOG DELAY milliseconds after it first saw it, byte for byte and in order,
as a gateway that buffers or ships its log lines late would. It behaves like the writer
it stands in for: LOG is opened once with O_APPEND (so a copytruncate rotation is followed
and a renamed LOG keeps receiving lines) and reopened by path on SIGUSR1, as nginx does.
SIGTERM writes what is still waiting, then exits.

Standard library only: /usr/bin/python3 of the lab machine, no packages.
"""

import argparse
import collections
import os
import signal
import sys
import time

POLL_S = 0.005  # how often RAW is read; small against any delay a test asks for


class Relay:
    def __init__(self, raw_path, out_path, delay_s):
        self.out_path = out_path
        self.delay_s = delay_s
        self.raw = os.open(raw_path, os.O_RDONLY)
        self.out = self.open_out()
        self.partial = b""
        self.pending = collections.deque()  # (due time, line), due times never decrease
        self.reopen = False
        self.stop = False

    def open_out(self):
        return os.open(self.out_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def read_new_lines(self):
        now = time.monotonic()
        while True:
            chunk = os.read(self.raw, 65536)
            if not chunk:
                return
            data = self.partial + chunk
            *lines, self.partial = data.split(b"\n")
            for line in lines:
                self.pending.append((now + self.delay_s, line + b"\n"))

    def write_due(self, everything=False):
        now = time.monotonic()
        while self.pending and (everything or self.pending[0][0] <= now):
            _, line = self.pending.popleft()
            # One write per line: O_APPEND makes each a single append, never interleaved.
            os.write(self.out, line)

    def run(self):
        while not self.stop:
            if self.reopen:
                self.reopen = False
                os.close(self.out)
                self.out = self.open_out()
            self.read_new_lines()
            self.write_due()
            wait = POLL_S
            if self.pending:
                wait = min(wait, max(0.0, self.pending[0][0] - time.monotonic()))
            time.sleep(wait)
        self.read_new_lines()
        self.write_due(everything=True)


def main():
    parser = argparse.ArgumentParser(description="Delays a gateway's access-log lines.")
    parser.add_argument("--in", dest="raw", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--delay-ms", type=int, required=True)
    parser.add_argument("--pid-file", required=True)
    args = parser.parse_args()
    if args.delay_ms < 0:
        print("log_relay.py: error: --delay-ms must be >= 0", file=sys.stderr)
        return 2
    relay = Relay(args.raw, args.out, args.delay_ms / 1000.0)

    def on_term(_signum, _frame):
        relay.stop = True

    def on_usr1(_signum, _frame):
        relay.reopen = True

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)
    signal.signal(signal.SIGUSR1, on_usr1)
    # Written once the files are open and the handlers are in place: a caller that waits
    # for the pid file knows the relay is following RAW.
    tmp = args.pid_file + ".tmp"
    with open(tmp, "w", encoding="ascii") as f:
        f.write(f"{os.getpid()}\n")
    os.replace(tmp, args.pid_file)
    relay.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
