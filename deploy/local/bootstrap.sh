#!/usr/bin/env bash
# Installs what the repo needs to run and test, idempotently:
# uv (pinned) and the workspace's locked Python packages; Java and Maven for the
# Kafka broker when absent (as root, from Debian). PostgreSQL is installed by pg.sh
# when needed, the Kafka jars are fetched by kafka.sh.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
UV_VERSION="0.13.8"

apt_install() {
  [ "$(id -u)" = 0 ] || die "$1 is missing; install it (Debian: apt-get install $2)"
  log "installing $2 from Debian"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
}

if [ -z "${KAFKA_BOOTSTRAP_SERVERS:-}" ]; then
  command -v java >/dev/null || apt_install java openjdk-17-jre-headless
  command -v mvn >/dev/null || apt_install mvn maven
fi

# make test (INSTANCE=test) and CI: Debian's Chromium, and ip for its network-less namespace, for
# the API docs browser test (libs/common/tests/test_docs_browser.py); poppler's pdftoppm and
# pdftotext, to render the stats reports' PDF and read its text (stats-service test_reports.py).
if [ "${INSTANCE:-}" = test ] || [ "${CI:-}" = true ]; then
  [ -x /usr/bin/chromium ] || apt_install chromium chromium
  command -v ip >/dev/null || apt_install ip iproute2
  command -v pdftoppm >/dev/null || apt_install pdftoppm poppler-utils
fi

UV="$(command -v uv || true)"
if [ -z "$UV" ] || [ "$("$UV" --version | awk '{print $2}')" != "$UV_VERSION" ]; then
  if [ ! -x "$REPO_ROOT/.run/tools/bin/uv" ]; then
    log "installing uv $UV_VERSION into .run/tools"
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --target "$REPO_ROOT/.run/tools/lib" "uv==$UV_VERSION"
    mkdir -p "$REPO_ROOT/.run/tools/bin"
    ln -sf "$REPO_ROOT/.run/tools/lib/bin/uv" "$REPO_ROOT/.run/tools/bin/uv"
  fi
  UV="$REPO_ROOT/.run/tools/bin/uv"
fi
# --locked: install exactly uv.lock, and fail when pyproject.toml changed without `uv lock`.
(cd "$REPO_ROOT" && UV_PYTHON_DOWNLOADS=never "$UV" sync --locked --quiet)
