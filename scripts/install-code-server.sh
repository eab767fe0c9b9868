#!/usr/bin/env bash
# Installs code-server (a real VS Code 1.100 for the browser) into .cache/code-server,
# plus the Debian packages it and the browser tests need. Idempotent: a second run is free.
# See ../shared/REAL-VSCODE.md for why each step is here.
set -euo pipefail

VERSION=4.100.3
RG_VERSION=1.15.11
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/.cache/code-server"
bin="$dest/node_modules/.bin/code-server"

need_pkgs=()
command -v chromium >/dev/null 2>&1 || need_pkgs+=(chromium)
command -v rg >/dev/null 2>&1 || need_pkgs+=(ripgrep)
dpkg -s libkrb5-dev >/dev/null 2>&1 || [ -x "$bin" ] || need_pkgs+=(libkrb5-dev)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "[setup] installing Debian packages: ${need_pkgs[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
  else
    echo "[setup] missing: ${need_pkgs[*]}. Install them (e.g. 'sudo apt-get install ${need_pkgs[*]}') and run again." >&2
    exit 1
  fi
fi

if [ -x "$bin" ] && "$bin" --version >/dev/null 2>&1; then
  exit 0
fi

echo "[setup] installing code-server@$VERSION into .cache/code-server (about a minute, once)"
# @vscode/ripgrep's postinstall downloads rg from GitHub unless it finds it in this cache.
tmp="${TMPDIR:-/tmp}"
cache="$tmp/vscode-ripgrep-cache-$RG_VERSION"
tarball="$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [ ! -f "$tarball" ]; then
  mkdir -p "$cache"
  stage="$(mktemp -d)"
  cp "$(command -v rg)" "$stage/rg"
  tar -C "$stage" -czf "$tarball" rg
  rm -rf "$stage"
fi

mkdir -p "$dest"
[ -f "$dest/package.json" ] || echo '{"name":"code-server-cache","private":true}' > "$dest/package.json"
(
  cd "$dest"
  npm_config_unsafe_perm=true npm_config_yes=true \
    npm install --no-audit --no-fund --loglevel=error "code-server@$VERSION" >install.log 2>&1 \
    || { echo "[setup] code-server install failed; see .cache/code-server/install.log" >&2; tail -30 install.log >&2; exit 1; }
)
"$bin" --version | head -1
