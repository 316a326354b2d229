#!/bin/sh
# Vendors Chart.js into the admin console (src/main/webapp/admin/vendor/), the documented build step behind the
# committed files: fetches the pinned version from the npm registry with npm's own client, checks the tarball
# against the registry's integrity hash recorded here, and copies the minified UMD build and its MIT licence.
# The console loads it from the hub itself (no CDN), under the console's CSP (no eval, no inline code needed).
# To upgrade: change VERSION, run `npm view chart.js@<version> dist.integrity`, update INTEGRITY, run this script,
# check the console (AdminOverviewIT) and commit the two files.
set -eu
VERSION=4.6.1
INTEGRITY=sha512-hJyniucsFmq//EvXYvJ6c6mahPoI3kaxdjVH8awTaJ/fDNWeSqqqArixMJWkWNN6fcYvPU3HneSANFNYtRi61g==
cd "$(dirname "$0")/.."
target=src/main/webapp/admin/vendor
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "chart.js@$VERSION" >/dev/null)
tarball="$tmp/chart.js-$VERSION.tgz"
actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 | tr -d '\n')"
if [ "$actual" != "$INTEGRITY" ]; then
  echo "chart.js@$VERSION: integrity $actual does not match the pinned $INTEGRITY" >&2
  exit 1
fi
tar -xzf "$tarball" -C "$tmp" package/dist/chart.umd.min.js package/LICENSE.md
mkdir -p "$target"
cp "$tmp/package/dist/chart.umd.min.js" "$target/chart.umd.min.js"
cp "$tmp/package/LICENSE.md" "$target/chart.js-LICENSE.md"
echo "Chart.js $VERSION vendored into $target (sha256 $(sha256sum "$target/chart.umd.min.js" | cut -d' ' -f1))"
