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
.venv/bin/python -m pip install -q -e ".[test]"
echo "setup: done"
