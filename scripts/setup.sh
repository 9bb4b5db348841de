# Sourced by scripts/run and scripts/test: make .venv with Python >= 3.12 and install journeysim.
# Re-installs only when pyproject.toml changed since the last install.
set -euo pipefail

find_python() {
  local candidate
  for candidate in python3.12 python3.13 python3.14 python3 python; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then
      echo "$candidate"; return 0
    fi
  done
  # pyenv machines: pick the newest installed 3.12+ even if it is not the active version
  if command -v pyenv >/dev/null 2>&1; then
    candidate=$(pyenv versions --bare 2>/dev/null | grep -E '^3\.(1[2-9])(\.|$)' | sort -V | tail -n 1)
    if [ -n "$candidate" ]; then echo "$(pyenv root)/versions/$candidate/bin/python"; return 0; fi
  fi
  echo "journeysim needs Python >= 3.12 (mesa 3.5); none was found on PATH" >&2
  return 1
}

extras="${JOURNEYSIM_EXTRAS:-test}"
stamp=".venv/.installed-$extras"
if [ ! -x .venv/bin/python ]; then
  python=$(find_python)
  echo "setting up .venv with $($python --version)" >&2
  "$python" -m venv .venv
fi
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip >&2
  .venv/bin/python -m pip install --quiet -e ".[$extras]" >&2
  touch "$stamp"
fi
