#!/usr/bin/env bash
# Set up everything tinyvid needs on a fresh Debian machine with Python 3.11:
# system packages (host C compiler, Arm GCC + newlib, QEMU) and a virtual
# environment in .venv with tinyvid and its test tools installed. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
for pkg in gcc libc6-dev make gcc-arm-none-eabi libnewlib-arm-none-eabi qemu-system-arm python3-venv; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "setup: installing system packages: ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $($PY --version)"
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
echo "setup: installing tinyvid and its dependencies into .venv (TensorFlow is large: a few minutes the first time)"
.venv/bin/python -m pip install -q -e ".[test,torch]"  # torch: the CPU wheel, pinned torch==2.13.0
# labgrid (board farms) replaces pyserial with its fork: it gets an environment of its own
# in tinyvid's cache folder (tinyvid/toolenv.py), made here so that the farm tests find it.
.venv/bin/python -m tinyvid.toolenv labgrid || echo "setup: could not set up labgrid: the farm tests will be skipped"
# Real video clips for the tests (static and moving cameras): Debian's opencv-doc
# ships them; its .deb is unpacked into .cache/video, not installed.
CLIPS=.cache/video
if [ ! -f "$CLIPS/Megamind.avi" ]; then
  DATA=usr/share/doc/opencv-doc/examples/data
  mkdir -p "$CLIPS"
  if [ -f "/$DATA/Megamind.avi" ]; then
    cp "/$DATA/vtest.avi" "/$DATA/tree.avi" "/$DATA/Megamind.avi" "$CLIPS/"
  else
    tmp=$(mktemp -d)
    if (cd "$tmp" && apt-get download opencv-doc >/dev/null 2>&1); then
      dpkg-deb --fsys-tarfile "$tmp"/opencv-doc_*.deb | tar -x -C "$tmp" "./$DATA/vtest.avi" "./$DATA/tree.avi" "./$DATA/Megamind.avi"
      mv "$tmp/$DATA/vtest.avi" "$tmp/$DATA/tree.avi" "$tmp/$DATA/Megamind.avi" "$CLIPS/"
      echo "setup: real video clips for the tests in $CLIPS"
    else
      echo "setup: could not download opencv-doc (no package index?): the tests on real clips will be skipped"
    fi
    rm -rf "$tmp"
  fi
fi
echo "setup: done"
