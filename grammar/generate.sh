#!/usr/bin/env bash
# Regenerates the C# parser from MlpLexer.g4 and MlpParser.g4 with the pinned antlr-ng.
# usage: grammar/generate.sh [OUTPUT_DIR]   (default: src/MLOps.Language/Parsing/Generated)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/../src/MLOps.Language/Parsing/Generated}"
mkdir -p "$out"
if [ ! -x "$here/node_modules/.bin/antlr-ng" ]; then
  (cd "$here" && npm install --no-audit --no-fund --silent >/dev/null)
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cp "$here/MlpLexer.g4" "$here/MlpParser.g4" "$tmp/"
(cd "$tmp" && "$here/node_modules/.bin/antlr-ng" -Dlanguage=CSharp --package MLOps.Language.Parsing.Generated \
  --generate-visitor false --generate-listener false -o gen MlpLexer.g4 MlpParser.g4 >/dev/null)
# Keep only the C# sources; normalise line endings so the committed files compare byte for byte.
for f in "$tmp"/gen/*.cs; do
  # internal: ANTLR types never leave MLOps.Language
  tr -d '\r' < "$f" | sed -e 's/^public partial class /internal partial class /' > "$out/$(basename "$f")"
done
