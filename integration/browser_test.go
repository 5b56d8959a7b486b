package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// browser is one headless Chromium tab, driven with chromedp. Script errors
// the page throws fail the test.
type browser struct {
	t   *testing.T
	ctx context.Context
	mu  sync.Mutex
	// thrown collects the page's uncaught exceptions and console errors.
	thrown []string
}

// chromiumPath finds Debian's chromium. CI installs it (.ci/run), so there a
// missing browser is a failure; a developer without one is told how to get it.
func chromiumPath(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err == nil {
		return path
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("chromium is not installed, and CI must run the browser tests: apt-get install -y chromium fonts-noto-cjk")
	}
	t.Skip("chromium is not installed: apt-get install -y chromium fonts-noto-cjk to run the browser tests")
	return ""
}

// newBrowser starts Chromium with a Chinese locale and a desktop window.
func newBrowser(t *testing.T, extra ...chromedp.ExecAllocatorOption) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath(t)),
		chromedp.NoSandbox, // CI runs as root
		chromedp.WindowSize(1366, 860),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		chromedp.Env("LANGUAGE=zh_CN", "TZ=Asia/Shanghai"),
	)
	opts = append(opts, extra...)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc()
	})
	b := &browser{t: t, ctx: ctx}
	require.NoError(t, chromedp.Do(ctx), "start chromium")
	b.setLanguage("zh-CN")
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			// Exceptions and the page's own console.error calls; the browser's
			// log entries (a failed image of a product card) have no Args.
			if m.IsException() || (m.Type == chromedp.ConsoleError && len(m.Args) > 0) {
				b.mu.Lock()
				b.thrown = append(b.thrown, fmt.Sprintf("%s:%d %s", m.URL, m.Line+1, m.Text))
				b.mu.Unlock()
			}
		}
	}()
	return b
}

// setLanguage makes navigator.language and Accept-Language say lang, as a
// browser set up in that language does.
func (b *browser) setLanguage(lang string) {
	b.t.Helper()
	v, err := chromedp.CallBrowser(b.ctx, cdpbrowser.GetVersion, cdp.Empty{})
	require.NoError(b.t, err)
	_, err = chromedp.Call(b.ctx, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{UserAgent: v.UserAgent, AcceptLanguage: lang})
	require.NoError(b.t, err)
}

// run runs actions with a deadline.
func (b *browser) run(what string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	require.NoError(b.t, chromedp.Do(ctx, actions...), what)
}

// click clicks the element a selector finds, again if the page re-rendered
// it between finding and clicking (a list that redraws on every event:
// chromedp then answers "Could not find node with given id").
func (b *browser) click(what, selector string) {
	b.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
		err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(selector)))
		cancel()
		if err == nil || !strings.Contains(err.Error(), "Could not find node") || time.Now().After(deadline) {
			require.NoError(b.t, err, what)
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// eval evaluates a script expression into out.
func eval[T any](b *browser, expr string) (T, error) {
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[T](expr))
}

// waitJS waits until a script expression is true.
func (b *browser) waitJS(what, expr string) {
	b.t.Helper()
	var last error
	deadline := time.Now().Add(45 * time.Second)
	for time.Now().Before(deadline) {
		var ok bool
		if ok, last = eval[bool](b, "!!("+expr+")"); last == nil && ok {
			return
		}
		time.Sleep(150 * time.Millisecond)
	}
	page, _ := eval[string](b, "document.body.innerText")
	b.t.Fatalf("%s: never true: %s (%v)\npage text:\n%s\nscript errors: %v", what, expr, last, page, b.errors())
}

// text is an element's textContent, "" when it is absent.
func (b *browser) text(selector string) string {
	b.t.Helper()
	s, err := eval[string](b, fmt.Sprintf("(document.querySelector(%s)||{}).textContent||''", jsString(selector)))
	require.NoError(b.t, err)
	return s
}

// value is a form field's value.
func (b *browser) value(selector string) string {
	b.t.Helper()
	s, err := eval[string](b, fmt.Sprintf("(document.querySelector(%s)||{}).value||''", jsString(selector)))
	require.NoError(b.t, err)
	return s
}

// waitText waits until an element's text contains want.
func (b *browser) waitText(selector, want string) {
	b.t.Helper()
	b.waitJS(fmt.Sprintf("%s shows %q", selector, want),
		fmt.Sprintf("((document.querySelector(%s)||{}).textContent||'').includes(%s)", jsString(selector), jsString(want)))
}

// typeText types text into the focused element as an input method would, so
// Chinese goes in as it does for a person.
func typeText(text string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, input.InsertText, input.InsertTextParams{Text: text})
		return err
	})
}

// pressEnter presses Enter as a keyboard does: one keydown that carries the
// text "\r" and a keyup, so a page that handles the keydown stops the line
// break the way it would for a person. (KeyEvent sends a separate char event
// that inserts "\r" even then.)
func pressEnter() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		for _, typ := range []input.DispatchKeyEventType{input.DispatchKeyEventTypeKeyDown, input.DispatchKeyEventTypeKeyUp} {
			p := input.DispatchKeyEventParams{Type: typ, Key: "Enter", Code: "Enter", WindowsVirtualKeyCode: 13, NativeVirtualKeyCode: 13}
			if typ == input.DispatchKeyEventTypeKeyDown {
				p.Text, p.UnmodifiedText = "\r", "\r"
			}
			if _, err := cdp.Call(ctx, t, input.DispatchKeyEvent, p); err != nil {
				return err
			}
		}
		return nil
	})
}

// ctrlKey presses a key with Ctrl held.
func ctrlKey(key string) chromedp.Action[chromedp.Void] {
	return chromedp.KeyEvent(key, chromedp.KeyModifiers(chromedp.ModifierCtrl))
}

// altKey presses a key with Alt held.
func altKey(key string) chromedp.Action[chromedp.Void] {
	return chromedp.KeyEvent(key, chromedp.KeyModifiers(chromedp.ModifierAlt))
}

func (b *browser) errors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.thrown...)
}

// requireNoScriptErrors fails the test when the page threw.
func (b *browser) requireNoScriptErrors() {
	b.t.Helper()
	require.Empty(b.t, b.errors(), "the page reported script errors")
}

// screenshot takes a full-page PNG. With CCFLOW_SCREENSHOTS set it is kept
// in docs/screenshots/ for the README; otherwise only its size is checked.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(b.t, err, "screenshot "+name)
	require.Greater(b.t, len(png), 10_000, "a screenshot of a drawn page")
	if os.Getenv("CCFLOW_SCREENSHOTS") == "" {
		return
	}
	dir := filepath.Join("..", "docs", "screenshots")
	require.NoError(b.t, os.MkdirAll(dir, 0o755))
	require.NoError(b.t, os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644))
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
