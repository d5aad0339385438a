#!/usr/bin/env bash
# Re-vendor the pinned front-end packages from the npm registry into static/vendor/.
# We serve them ourselves (no CDN): our users are on slow rural links and pages must
# work from the server alone. Bump a version here, run the script, commit the result.
# axe-core goes to tests/browser/vendor/: the browser tests inject it, users never get it.
set -euo pipefail
BOOTSTRAP_VERSION=5.3.9
HTMX_VERSION=2.0.11
CHARTJS_VERSION=4.5.1
AXE_CORE_VERSION=4.14.1

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "bootstrap@${BOOTSTRAP_VERSION}" "htmx.org@${HTMX_VERSION}" "chart.js@${CHARTJS_VERSION}" \
  "axe-core@${AXE_CORE_VERSION}" >/dev/null
mkdir bootstrap htmx chartjs axe-core
tar -xzf "bootstrap-${BOOTSTRAP_VERSION}.tgz" -C bootstrap
tar -xzf "htmx.org-${HTMX_VERSION}.tgz" -C htmx
tar -xzf "chart.js-${CHARTJS_VERSION}.tgz" -C chartjs
tar -xzf "axe-core-${AXE_CORE_VERSION}.tgz" -C axe-core

dest="$root/static/vendor"
rm -rf "$dest/bootstrap" "$dest/htmx" "$dest/chartjs"
mkdir -p "$dest/bootstrap/css" "$dest/bootstrap/js" "$dest/htmx" "$dest/chartjs"
cp bootstrap/package/dist/css/bootstrap.min.css "$dest/bootstrap/css/"
cp bootstrap/package/dist/js/bootstrap.bundle.min.js "$dest/bootstrap/js/"
cp bootstrap/package/LICENSE "$dest/bootstrap/LICENSE"
cp htmx/package/dist/htmx.min.js "$dest/htmx/"
cp htmx/package/LICENSE "$dest/htmx/LICENSE"
cp chartjs/package/dist/chart.umd.min.js "$dest/chartjs/" 2>/dev/null || cp chartjs/package/dist/chart.umd.js "$dest/chartjs/chart.umd.min.js"
cp chartjs/package/LICENSE.md "$dest/chartjs/LICENSE.md"
# We ship no source maps: drop their references so the hashed-static build finds no missing file.
sed -i '/sourceMappingURL=/d' "$dest/bootstrap/css/bootstrap.min.css" "$dest/bootstrap/js/bootstrap.bundle.min.js" "$dest/htmx/htmx.min.js" "$dest/chartjs/chart.umd.min.js"
cat > "$dest/VERSIONS" <<TXT
bootstrap ${BOOTSTRAP_VERSION} (MIT)
htmx.org ${HTMX_VERSION} (0BSD)
chart.js ${CHARTJS_VERSION} (MIT)
TXT
echo "vendored into $dest:"; cat "$dest/VERSIONS"

tests_dest="$root/tests/browser/vendor/axe-core"
rm -rf "$tests_dest"
mkdir -p "$tests_dest"
cp axe-core/package/axe.min.js "$tests_dest/"
cp axe-core/package/LICENSE "$tests_dest/LICENSE"
echo "axe-core ${AXE_CORE_VERSION} (MPL-2.0)" > "$tests_dest/VERSION"
echo "vendored axe-core ${AXE_CORE_VERSION} into $tests_dest"
