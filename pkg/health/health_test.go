package health

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestCheck(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		healthy bool
		detail  string
	}{
		{"ok", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("OK\n")) }, true, "200 OK"},
		{"503", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }, false, "HTTP 503"},
		{"wrong body", func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("degraded: mongo down")) }, false, `"degraded: mongo down"`},
		{"redirect to login", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/login", http.StatusFound) }, false, "HTTP 302"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var gotPath string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				gotPath = r.URL.Path
				tt.handler(w, r)
			}))
			defer srv.Close()
			res := New(NewClient(5*time.Second), srv.URL+"/{host}/testall").Check(context.Background(), "manage.example.com")
			if res.Healthy != tt.healthy || !strings.Contains(res.Detail, tt.detail) {
				t.Fatalf("got %+v, want healthy=%v with %q", res, tt.healthy, tt.detail)
			}
			if gotPath != "/manage.example.com/testall" && !strings.HasPrefix(gotPath, "/login") {
				t.Errorf("checked %s", gotPath)
			}
		})
	}
}

func TestCheckTimesOutAndNeverErrors(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-block }))
	defer srv.Close()
	defer close(block)
	c := New(srv.Client(), srv.URL+"/{host}/testall")
	c.timeout = 200 * time.Millisecond
	start := time.Now()
	res := c.Check(context.Background(), "h.example.com")
	if res.Healthy || time.Since(start) > 5*time.Second || !strings.Contains(res.Detail, "GET") {
		t.Fatalf("%+v after %s", res, time.Since(start))
	}
	if got := New(nil, "").URL("manage.example.com"); got != "https://manage.example.com/testall" {
		t.Errorf("default URL %s", got)
	}
	if res := New(srv.Client(), "::bad::{host}").Check(context.Background(), "x"); res.Healthy {
		t.Errorf("bad template must not be healthy: %+v", res)
	}
}
