// Package integration holds canarytrace's test-only heavyweights, in a module
// of their own so the main module does not depend on them: the Argo Rollouts
// and Flagger compatibility tests (the expression language and JSONPath
// library Argo uses, run against a live canary_verdict exporter), the
// dashboard tests in headless Chromium (chromedp; needs /usr/bin/chromium),
// and a restart test with the contrib file_storage extension.
package integration
