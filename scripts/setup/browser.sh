#!/usr/bin/env bash
# Debian's Chromium for the web app's browser tests (driven by playwright-core, whose own browser
# download is not used), plus the tools that make the fake-microphone recordings.
. "$(dirname "$0")/../lib/common.sh"
lm_apt_install chromium espeak-ng sox fonts-dejavu-core
[ -x /usr/bin/chromium ] || lm_die "chromium did not install at /usr/bin/chromium"
