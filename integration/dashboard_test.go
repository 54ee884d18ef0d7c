package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const chromiumPath = "/usr/bin/chromium"

// hostileName is a span name an attacker could put on a span: if the
// dashboard ever parsed data as HTML, the onerror handler would run.
const hostileName = `<img src=x onerror="window.__pwned=1">`

// browser starts headless Chromium with a fresh profile and collects every
// console error, uncaught exception and browser log error (CSP violations
// are reported there).
func browser(t *testing.T) (context.Context, func() []string) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("the dashboard tests need Debian's chromium at %s (apt-get install -y chromium): %v", chromiumPath, err)
	}
	// A fresh profile per run; removed after the browser has exited (the
	// browser writes to it until then, so t.TempDir's check would fail).
	profile, err := os.MkdirTemp("", "canarytrace-chromium-")
	require.NoError(t, err)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(profile),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(1280, 1500),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() {
		_ = chromedp.Cancel(ctx)
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
		_ = os.RemoveAll(profile)
	})

	var mu sync.Mutex
	var problems []string
	chromedp.ListenTarget(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.APITypeError || e.Type == runtime.APITypeWarning {
				var args []string
				for _, a := range e.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				problems = append(problems, fmt.Sprintf("console.%s: %s", e.Type, strings.Join(args, " ")))
			}
		case *runtime.EventExceptionThrown:
			problems = append(problems, "exception: "+e.ExceptionDetails.Error())
		case *log.EventEntryAdded:
			if e.Entry.Level == log.LevelError || e.Entry.Level == log.LevelWarning {
				problems = append(problems, fmt.Sprintf("log %s/%s: %s %s", e.Entry.Source, e.Entry.Level, e.Entry.Text, e.Entry.URL))
			}
		}
	})
	require.NoError(t, chromedp.Run(ctx, log.Enable(), runtime.Enable()))
	return ctx, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), problems...)
	}
}

// textOf reads an element's textContent (not innerText: the page
// upper-cases verdict badges with CSS), "" when there is none.
func textOf(sel string, out *string) chromedp.Action {
	q, _ := json.Marshal(sel)
	return chromedp.Evaluate(`(document.querySelector(`+string(q)+`) || {}).textContent || ""`, out)
}

// waitText waits until the element matching sel has text containing want:
// the page refreshes itself every few seconds, so this polls.
func waitText(sel, want string) chromedp.Action {
	return chromedp.ActionFunc(func(ctx context.Context) error {
		for {
			var got string
			if err := textOf(sel, &got).Do(ctx); err != nil {
				return err
			}
			if strings.Contains(got, want) {
				return nil
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("waiting for %q in %s (last %q): %w", want, sel, got, ctx.Err())
			case <-time.After(100 * time.Millisecond):
			}
		}
	})
}

func TestDashboardInChromium(t *testing.T) {
	l := startExporter(t, nil, nil)
	ctx, problems := browser(t)

	// Before any evidence the page says so, and keeps asking.
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Navigate(l.url+"/"),
		waitText("#cards", "No release yet"),
		chromedp.Evaluate(`window.__marker = 42`, nil),
	))

	hostile := rollingBack
	hostile.spanName = hostileName
	l.feed(t, 1, firstStep, firstStep+1, promoting, hostile)
	waitLearned()
	l.feed(t, 2, firstStep+1, firstStep+scenarioSteps, promoting, hostile)
	l.waitJudged(t, "checkout", firstStep+scenarioSteps-1)
	l.waitJudged(t, "payments", firstStep+scenarioSteps-1)

	var cards []*cdp.Node
	require.NoError(t, chromedp.Run(ctx,
		waitText(`.card[data-service="checkout"]`, "promote"),
		waitText(`.card[data-service="payments"]`, "rollback"),
		chromedp.Nodes(".card", &cards, chromedp.ByQueryAll),
	))
	assert.Len(t, cards, 2)

	// The page updates itself: a release that appears later shows up
	// without a reload (the marker set on this page load survives).
	later := young
	later.service = "zeta"
	l.feed(t, 3, firstStep+scenarioSteps, firstStep+scenarioSteps+2, promoting, hostile, later)
	var marker int
	require.NoError(t, chromedp.Run(ctx,
		waitText(`.card[data-service="zeta"]`, "inconclusive"),
		chromedp.Evaluate(`window.__marker`, &marker),
	))
	assert.Equal(t, 42, marker, "the page must refresh through the API, not reload")

	// The failing release's details: checks, feed, charts, with the hostile
	// span name shown as text and never run.
	var pwned bool
	var imgs int
	var checksText, feedText string
	require.NoError(t, chromedp.Run(ctx,
		chromedp.Click(`.card[data-service="payments"]`, chromedp.ByQuery),
		waitText("#verdict", "payments @ 7.1"),
		waitText("#verdict table", hostileName),
		waitText(".feed", "breach"),
		textOf("#verdict table", &checksText),
		textOf(".feed", &feedText),
		chromedp.Evaluate(`window.__pwned === 1`, &pwned),
		chromedp.Evaluate(`document.querySelectorAll('img').length`, &imgs),
	))
	assert.False(t, pwned, "markup in a span name must stay inert")
	assert.Zero(t, imgs, "no element may be created from span data")
	assert.Contains(t, checksText, "fail")
	assert.Contains(t, feedText, hostileName, "the hostile name is shown as text")
	var links []string
	require.NoError(t, chromedp.Run(ctx, chromedp.Evaluate(`[...document.querySelectorAll('.feed a')].map(a => a.href)`, &links)))
	require.NotEmpty(t, links, "failing checks link their exemplar traces")
	for _, href := range links {
		assert.Regexp(t, `^http://tracing\.example/trace/[0-9a-f]{32}$`, href)
	}

	if os.Getenv("CANARYTRACE_SCREENSHOT") != "" {
		var png []byte
		require.NoError(t, chromedp.Run(ctx, chromedp.FullScreenshot(&png, 100)))
		out := filepath.Join("..", "exporter", "canaryverdictexporter", "docs", "dashboard.png")
		require.NoError(t, os.MkdirAll(filepath.Dir(out), 0o755))
		require.NoError(t, os.WriteFile(out, png, 0o644))
	}
	assert.Empty(t, problems(), "the page logs no errors or warnings")
}
