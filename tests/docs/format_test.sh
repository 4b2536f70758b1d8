#!/usr/bin/env bash
# Every C++ file in the tree is formatted as .clang-format says, so a diff shows only
# what changed and never how its author's editor wraps lines. Fix with:
#   clang-format -i $(git ls-files '*.cc' '*.h')
set -euo pipefail
root="$1"
cd "$root"
if ! command -v clang-format >/dev/null; then
  echo "clang-format is not installed (scripts/setup.sh installs it)" >&2
  exit 1
fi
if [ -d .git ] || [ -f .git ]; then
  mapfile -t files < <(git ls-files '*.cc' '*.h')
else
  mapfile -t files < <(find . -path ./build -prune -o \( -name '*.cc' -o -name '*.h' \) -print)
fi
[ "${#files[@]}" -gt 0 ] || { echo "no C++ files found under $root" >&2; exit 1; }
unformatted=()
for f in "${files[@]}"; do
  if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then unformatted+=("$f"); fi
done
if [ "${#unformatted[@]}" -gt 0 ]; then
  printf 'not formatted as .clang-format says:\n' >&2
  printf '  %s\n' "${unformatted[@]}" >&2
  exit 1
fi
echo "${#files[@]} files formatted"
