package desk_test

import (
	"crypto/sha256"
	"encoding/base64"
	"regexp"
	"strings"
	"testing"
)

// TestOverviewLoadsInOneRoundTrip: the seed plan's 本期概览 is one
// response under 100 KB that asks for nothing more (its stylesheet is
// inline, allowed by its hash, with no script anywhere).
func TestOverviewLoadsInOneRoundTrip(t *testing.T) {
	r := newRig(t)
	office, _ := r.login()
	resp, body := r.do(office, "GET", "/", nil, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("GET / = %d", resp.StatusCode)
	}
	if len(body) > 100<<10 {
		t.Errorf("本期概览 is %d bytes, want under 100 KB", len(body))
	}
	if m := regexp.MustCompile(`<(link|script|img|iframe)\b|src=`).FindString(body); m != "" {
		t.Errorf("本期概览 loads another resource (%q): want one round trip", m)
	}
	style := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindStringSubmatch(body)
	if style == nil {
		t.Fatal("no inline stylesheet")
	}
	sum := sha256.Sum256([]byte(style[1]))
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'") {
		t.Errorf("the policy %q does not allow the page's own stylesheet", csp)
	}
	t.Logf("本期概览 of the seed plan: %d bytes", len(body))
}
