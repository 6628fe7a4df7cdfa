"""The ``flashrom`` that labgrid's FlashromDriver runs for a place exported by
``tinyvid farm serve``: it sends the image to the serving node, which restarts the
place's emulated board with it. Run by labgrid (``TOOL -w IMAGE -p PROGRAMMER``,
programmer ``tinyvid:HOST:PORT:PLACE``), in labgrid's environment: the standard
library only, never tinyvid.

Exit codes: 0 loaded, 1 the node refused or failed, 2 bad arguments or no answer.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys

CONNECT_TIMEOUT_S = 10.0
#: Seconds for the node to answer: it stops the board and boots the new firmware.
ANSWER_TIMEOUT_S = 120.0


def main() -> int:
    parser = argparse.ArgumentParser(prog="flashrom (tinyvid farm)")
    parser.add_argument("-w", dest="image", required=True)
    parser.add_argument("-p", dest="programmer", required=True)
    args = parser.parse_args()
    kind, _, rest = args.programmer.partition(":")
    host, _, rest = rest.partition(":")
    port, _, place = rest.partition(":")
    if kind != "tinyvid" or not host or not port.isdigit() or not place:
        print(f"programmer '{args.programmer}' is not tinyvid:HOST:PORT:PLACE", file=sys.stderr)
        return 2
    try:
        with open(args.image, "rb") as image:
            data = image.read()
    except OSError as exc:
        print(f"cannot read {args.image}: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        with socket.create_connection((host, int(port)), timeout=CONNECT_TIMEOUT_S) as conn:
            conn.settimeout(ANSWER_TIMEOUT_S)
            conn.sendall(f"load {place} {len(data)}\n".encode() + data)
            answer = conn.makefile("rb").readline(4096).decode(errors="replace").strip()
    except OSError as exc:
        print(f"the farm node at {host}:{port} did not take the image: {exc}", file=sys.stderr)
        return 2
    print(answer)
    return 0 if answer.startswith("ok ") else 1


if __name__ == "__main__":
    os.environ.pop("PYTHONPATH", None)
    sys.exit(main())
