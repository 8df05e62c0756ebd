#!/usr/bin/env bash
# Tags a release: vX.Y.Z from package.json's version, and moves the major tag
# (v1) to it, so that `uses: org/fusion-token-action@v1` gets the release.
# It checks first that the tree is clean, on main, and that dist/ is what
# npm run bundle builds; it pushes only with --push.
#
#   npm version minor --no-git-tag-version   # 1.0.0 -> 1.1.0, then update CHANGELOG.md
#   npm run bundle && git commit -am "Release v1.1.0"
#   scripts/release.sh            # creates the tags locally, prints the push command
#   scripts/release.sh --push     # creates and pushes them
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(node -p "require('./package.json').version")
tag="v$version"
major="v${version%%.*}"

fail() { echo "release: $*" >&2; exit 1; }

[[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "package.json version $version is not X.Y.Z"
[ "$(git rev-parse --abbrev-ref HEAD)" = main ] || fail "not on main"
[ -z "$(git status --porcelain)" ] || fail "the work tree is not clean"
git rev-parse -q --verify "refs/tags/$tag" >/dev/null && fail "$tag exists already"
grep -q "^## \[$version\]" CHANGELOG.md || fail "CHANGELOG.md has no section for $version"
grep -q "ACTION_VERSION = '$version'" src/version.ts || fail "src/version.ts does not say $version"

npm run -s bundle >/dev/null
[ -z "$(git status --porcelain -- dist)" ] || fail "dist/ is stale: run npm run bundle and commit dist/"

git tag -a "$tag" -m "fusion-token-action $tag"
git tag -fa "$major" -m "fusion-token-action $major (at $tag)"
echo "Tagged $tag and moved $major to it."
if [ "${1:-}" = --push ]; then
  git push origin "$tag"
  git push --force origin "$major"
else
  echo "Push with: git push origin $tag && git push --force origin $major"
fi
