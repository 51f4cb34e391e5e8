#!/usr/bin/env bash
# Views (and the API routers) must read families, babies and people through kbs/families/access.py, never straight from
# the model managers, so that every read is permission-checked and audited.
set -euo pipefail
hits=$(grep -nE '\b(Family|Baby|Person|Involvement|BreakGlass)\.objects\b' kbs/*/views.py kbs/*/views/*.py kbs/api/v1/*.py 2>/dev/null || true)
hits=$(echo "$hits" | grep -v '^kbs/core/views.py' || true)  # core's overview counts rows and shows no record
if [ -n "$hits" ]; then
  echo "Read records through an access module, not the model manager, in views:" >&2
  echo "$hits" >&2
  exit 1
fi
echo "access lint: ok"
