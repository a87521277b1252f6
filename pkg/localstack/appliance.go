package localstack

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// Appliances simulates deployed appliances for local health checks:
// GET /dev/appliance/{host}/testall answers 200 "OK" unless the host was
// marked down with POST /dev/appliance/{host}/down (POST .../up restores
// it), so failure paths can be triggered by hand or by tests. SetDelay
// makes a host hang before it answers.
type Appliances struct {
	mu    sync.Mutex
	down  map[string]bool
	delay map[string]time.Duration
	hits  map[string]int
}

// NewAppliances returns simulated appliances, all healthy.
func NewAppliances() *Appliances {
	return &Appliances{down: map[string]bool{}, delay: map[string]time.Duration{}, hits: map[string]int{}}
}

// SetDelay makes a host's /testall hang for d (or until the client gives
// up) before answering; 0 answers at once again.
func (a *Appliances) SetDelay(host string, d time.Duration) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.delay[host] = d
}

// SetDown marks a host unhealthy (true) or healthy (false).
func (a *Appliances) SetDown(host string, down bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.down[host] = down
}

// Hits is how many health checks a host has answered.
func (a *Appliances) Hits(host string) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.hits[host]
}

func (a *Appliances) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/dev/appliance/")
	host, action, _ := strings.Cut(rest, "/")
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case host == "" && r.Method == http.MethodGet:
		var hosts []string
		for h, d := range a.down {
			if d {
				hosts = append(hosts, h)
			}
		}
		sort.Strings(hosts)
		fmt.Fprintf(w, "simulated appliances; down: %v\n", hosts)
	case action == "testall" && r.Method == http.MethodGet:
		a.hits[host]++
		down, delay := a.down[host], a.delay[host]
		if delay > 0 {
			a.mu.Unlock()
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
			}
			a.mu.Lock()
		}
		if down {
			http.Error(w, "service unavailable (marked down)", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("OK"))
	case (action == "down" || action == "up") && r.Method == http.MethodPost:
		a.down[host] = action == "down"
		fmt.Fprintf(w, "%s is now %s\n", host, action)
	default:
		http.Error(w, "use GET /dev/appliance/{host}/testall or POST /dev/appliance/{host}/down|up", http.StatusNotFound)
	}
}
