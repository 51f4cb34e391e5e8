#!/usr/bin/env bash
# Installs the Debian packages the tests need, when they are missing and we are root.
# Chromium for browser tests, poppler for PDF text checks, fonts and Pango for WeasyPrint, PostgreSQL.
# fonts-noto-core has Urdu letters for the printed plans; gettext's msgfmt compiles the translations.
set -euo pipefail
packages=(chromium chromium-driver poppler-utils fonts-liberation fonts-noto-core gettext libpango-1.0-0 libpangoft2-1.0-0 postgresql)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then
  echo "Missing system packages: ${missing[*]}. Install them (as root: apt-get install ${missing[*]})." >&2
  exit 1
fi
echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
