#!/usr/bin/env python3
"""A vtspec adapter (protocol vtspec-adapter/1, see docs/adapter.md) that answers from a table.

It proves the protocol end to end without an emulator: the table maps each vector ID of a suite to the
observation to report — here, the suite's own expected canonical outcome. A real adapter would instead
load `state` into its emulator, execute `operation`, and describe what happened.

Options that make it misbehave on purpose, for testing how vtspec contains a bad adapter:
  --crash-every N     exit abruptly on every N-th run request
  --hang-every N      stop answering on every N-th run request
  --garbage-every N   print a line that is not JSON on every N-th run request
  --state-dir DIR     keep the request counter in DIR, so the misbehaviour follows the request count
                      across restarts (vtspec restarts a crashed or hung adapter)
"""
import argparse
import json
import os
import sys
import time

PROTOCOL = "vtspec-adapter/1"


def load_table(suite_path):
    table = {}
    with open(suite_path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                vector = json.loads(line)
                table[vector["id"]] = vector["expected"]["canonical"]
    return table


def bump(state_dir):
    """The global number of run requests seen so far (across restarts) when a state dir is given."""
    if state_dir is None:
        bump.count = getattr(bump, "count", 0) + 1
        return bump.count
    path = os.path.join(state_dir, "requests")
    n = int(open(path).read()) + 1 if os.path.exists(path) else 1
    with open(path, "w") as f:
        f.write(str(n))
    return n


def send(message):
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--suite", required=True, help="the suite whose expected outcomes form the table")
    p.add_argument("--crash-every", type=int, default=0)
    p.add_argument("--hang-every", type=int, default=0)
    p.add_argument("--garbage-every", type=int, default=0)
    p.add_argument("--state-dir")
    args = p.parse_args()
    table = load_table(args.suite)

    for line in sys.stdin:
        message = json.loads(line)
        kind = message.get("type")
        if kind == "hello":
            send({"type": "hello", "protocol": PROTOCOL, "name": "table-adapter", "version": "1"})
        elif kind == "bye":
            return
        elif kind == "run":
            n = bump(args.state_dir)
            if args.crash_every and n % args.crash_every == 0:
                os._exit(3)
            if args.hang_every and n % args.hang_every == 0:
                time.sleep(3600)
            if args.garbage_every and n % args.garbage_every == 0:
                sys.stdout.write("Segmentation fault (core dumped)?! %%% not json\n")
                sys.stdout.flush()
                continue
            vid = message["id"]
            if vid in table:
                send({"type": "result", "id": vid, "observation": table[vid]})
            else:
                send({"type": "result", "id": vid, "skip": "vector not in this adapter's table"})


if __name__ == "__main__":
    main()
