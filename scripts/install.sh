#!/usr/bin/env bash
# Create .venv from uv.lock with a Python >= 3.12 found on this machine. Idempotent and fast
# when nothing changed. uv itself is installed with pip into .tools/ (no downloads of Python).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=$(scripts/find-python.sh)
export UV_PYTHON_DOWNLOADS=never UV_PROJECT_ENVIRONMENT="$PWD/.venv"
UV_VERSION=0.13.8
if [ ! -x .tools/bin/uv ] || [ "$(.tools/bin/uv --version 2>/dev/null | cut -d' ' -f2)" != "$UV_VERSION" ]; then
  echo "==> installing uv $UV_VERSION into .tools/ (with $PYTHON)"
  rm -rf .tools
  "$PYTHON" -m venv .tools
  .tools/bin/python -m pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi
stamp=.venv/.accountdesk-installed
if [ -f "$stamp" ] && [ "$stamp" -nt uv.lock ] && [ "$stamp" -nt pyproject.toml ] && [ -x .venv/bin/python ]; then
  exit 0
fi
echo "==> installing AccountDesk's dependencies from uv.lock into .venv/"
.tools/bin/uv sync --locked --all-groups --python "$PYTHON" --quiet
touch "$stamp"
