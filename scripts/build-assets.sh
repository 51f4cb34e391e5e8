#!/usr/bin/env bash
# Rebuild the vendored front-end assets (NHS.UK frontend CSS/JS/icons, axe-core).
# The output is committed, so running the service or its tests needs no Node.
# Needs node + npm and network access to the npm registry.
set -euo pipefail

NHSUK_VERSION="10.6.1"
AXE_SPEC="axe-core@4"

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATIC_DIR="$REPO_ROOT/kbs/core/static/nhsuk"
AXE_DIR="$REPO_ROOT/tests/browser/vendor"

WORK_DIR="$(mktemp -d "${TMPDIR:-/tmp}/kbs-assets.XXXXXX")"
trap 'rm -rf "$WORK_DIR"' EXIT

cd "$WORK_DIR"
echo '{"name": "kbs-assets-build", "private": true}' > package.json
npm install --no-audit --no-fund --silent "nhsuk-frontend@$NHSUK_VERSION" sass "$AXE_SPEC"

PKG="$WORK_DIR/node_modules/nhsuk-frontend"
DIST="$PKG/dist/nhsuk"

# Entry point: dist/nhsuk/index.scss (forwards core + components). Settings are
# `!default` variables in core/settings/_globals.scss, configured with `@use ... with`.
# - assets path: icons referenced by the CSS are served by Django staticfiles.
# - no @font-face: Frutiger is licensed for NHS domains and its host is unreachable;
#   the font stack falls back to Arial / Liberation Sans.
#   ($nhsuk-include-font-face is deprecated in v10 in favour of
#   $nhsuk-include-default-font-face; both are set.)
# Caveat: in v10 the `html { font-family }` rule is only emitted inside
# `@if $nhsuk-include-default-font-face` (core/elements/_page.scss), so turning the
# font-face off would leave the page in the browser's default serif font. The rule
# is therefore re-emitted here after the framework.
cat > entry.scss <<'SCSS'
@use "nhsuk-frontend/dist/nhsuk" as nhsuk with (
  $nhsuk-assets-path: "/static/nhsuk/assets/",
  $nhsuk-include-font-face: false,
  $nhsuk-include-default-font-face: false,
  $nhsuk-font-family: (arial, "Liberation Sans", sans-serif)
);

html {
  font-family: nhsuk.$nhsuk-font-family;
}

@media print {
  html {
    font-family: nhsuk.$nhsuk-font-family-print;
  }
}
SCSS

mkdir -p "$STATIC_DIR" "$AXE_DIR"

./node_modules/.bin/sass \
  --load-path=node_modules \
  --style=compressed \
  --no-source-map \
  --quiet-deps \
  entry.scss "$STATIC_DIR/nhsuk-frontend.min.css"

# Compiled JS bundle: an ES module (`export {initAll, ...}`), load with type="module".
# Strip the sourceMappingURL comment since the map is not vendored.
sed -e 's#//\# sourceMappingURL=[^ ]*\.map[[:space:]]*$##' \
  "$DIST/nhsuk-frontend.min.js" > "$STATIC_DIR/nhsuk-frontend.min.js"

# Icons, favicons, logos, manifest (about 130 KB).
rm -rf "$STATIC_DIR/assets"
cp -R "$DIST/assets" "$STATIC_DIR/assets"

cp "$WORK_DIR/node_modules/axe-core/axe.min.js" "$AXE_DIR/axe.min.js"

NHSUK_INSTALLED="$(node -p 'require("./node_modules/nhsuk-frontend/package.json").version')"
AXE_INSTALLED="$(node -p 'require("./node_modules/axe-core/package.json").version')"
SASS_INSTALLED="$(node -p 'require("./node_modules/sass/package.json").version')"
cat > "$STATIC_DIR/VERSION" <<VERSION
nhsuk-frontend $NHSUK_INSTALLED
axe-core $AXE_INSTALLED
sass $SASS_INSTALLED
VERSION

# Sanity checks on the compiled CSS.
CSS="$STATIC_DIR/nhsuk-frontend.min.css"
if grep -Eq '@font-face|assets\.nhs\.uk|fonts\.(googleapis|gstatic)' "$CSS"; then
  echo "ERROR: compiled CSS still references web fonts / an external font host" >&2
  exit 1
fi
if ! grep -q 'html{font-family:arial,"Liberation Sans",sans-serif}' "$CSS"; then
  echo "ERROR: compiled CSS does not set the Arial / Liberation Sans font stack" >&2
  exit 1
fi
if grep -Eo 'url\([^)]*\)' "$CSS" | grep -v '/static/nhsuk/assets/' | grep -vq '^url(data:'; then
  echo "ERROR: compiled CSS has url() outside /static/nhsuk/assets/:" >&2
  grep -Eo 'url\([^)]*\)' "$CSS" | grep -v '/static/nhsuk/assets/' | grep -v '^url(data:' | sort -u >&2
  exit 1
fi

echo "Built NHS.UK frontend $NHSUK_INSTALLED (sass $SASS_INSTALLED), axe-core $AXE_INSTALLED:"
ls -l "$CSS" "$STATIC_DIR/nhsuk-frontend.min.js" "$AXE_DIR/axe.min.js"
du -sh "$STATIC_DIR/assets"
