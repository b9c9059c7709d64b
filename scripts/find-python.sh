#!/usr/bin/env bash
# Print the path of a Python >= 3.12: on PATH first, then among pyenv's versions.
# Exit 1 with a clear message when there is none.
set -u
ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; }
for candidate in python3.13 python3.12 python3.14 python3 python; do
  path=$(command -v "$candidate" 2>/dev/null) || continue
  if ok "$path"; then echo "$path"; exit 0; fi
done
roots=()
command -v pyenv >/dev/null 2>&1 && roots+=("$(pyenv root)/versions")
roots+=("${PYENV_ROOT:-$HOME/.pyenv}/versions")
for root in "${roots[@]}"; do
  [ -d "$root" ] || continue
  for dir in $(ls -1 "$root" 2>/dev/null | sort -t. -k1,1nr -k2,2nr -k3,3nr); do
    path="$root/$dir/bin/python"
    [ -x "$path" ] && ok "$path" && { echo "$path"; exit 0; }
  done
done
echo "AccountDesk needs Python 3.12 or newer, and none was found on PATH or among pyenv's versions." >&2
echo "Install one (for example 'pyenv install 3.13') and run the command again." >&2
exit 1
