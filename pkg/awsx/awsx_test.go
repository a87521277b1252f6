package awsx

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestLazyLoadsOnFirstUseOnceAndKeepsTheValue(t *testing.T) {
	var loads atomic.Int32
	l := NewLazy(func(context.Context) (string, error) { loads.Add(1); return "value", nil })
	if n := loads.Load(); n != 0 {
		t.Fatalf("NewLazy loaded %d times; it must wait for the first use", n)
	}
	for range 3 {
		v, err := l.Get(context.Background())
		if err != nil || v != "value" {
			t.Fatalf("Get = %q, %v", v, err)
		}
	}
	if n := loads.Load(); n != 1 {
		t.Fatalf("loaded %d times, want 1", n)
	}
}

func TestLazyDoesNotKeepAFailedLoad(t *testing.T) {
	var loads atomic.Int32
	denied := errors.New("AccessDeniedException")
	l := NewLazy(func(context.Context) (string, error) {
		if loads.Add(1) == 1 {
			return "", denied
		}
		return "value", nil
	})
	if _, err := l.Get(context.Background()); !errors.Is(err, denied) {
		t.Fatalf("first Get: %v, want the load's error", err)
	}
	if v, err := l.Get(context.Background()); err != nil || v != "value" {
		t.Fatalf("second Get = %q, %v: a failed load must be retried", v, err)
	}
	l.Get(context.Background())
	if n := loads.Load(); n != 2 {
		t.Fatalf("loaded %d times, want 2 (one failure, one success, then kept)", n)
	}
}

func TestLazyConcurrentFirstUsesLoadOnce(t *testing.T) {
	for _, fail := range []bool{false, true} {
		var loads atomic.Int32
		release := make(chan struct{})
		l := NewLazy(func(context.Context) (int, error) {
			loads.Add(1)
			<-release
			if fail {
				return 0, errors.New("throttled")
			}
			return 42, nil
		})
		const users = 32
		var wg sync.WaitGroup
		results := make(chan error, users)
		for range users {
			wg.Add(1)
			go func() {
				defer wg.Done()
				v, err := l.Get(context.Background())
				if err == nil && v != 42 {
					err = errors.New("wrong value")
				}
				results <- err
			}()
		}
		// Let every user reach Get before the load returns.
		for deadline := time.Now().Add(5 * time.Second); loads.Load() == 0 && time.Now().Before(deadline); {
			time.Sleep(time.Millisecond)
		}
		time.Sleep(20 * time.Millisecond)
		close(release)
		wg.Wait()
		close(results)
		for err := range results {
			if fail != (err != nil) {
				t.Fatalf("fail=%v: a user got %v", fail, err)
			}
		}
		if n := loads.Load(); n != 1 {
			t.Fatalf("fail=%v: %d concurrent first uses loaded %d times, want 1", fail, users, n)
		}
		if fail {
			// The shared failure is not kept: the next use loads again.
			l.Get(context.Background())
			if n := loads.Load(); n != 2 {
				t.Fatalf("after a failed load, the next use loaded %d times in all, want 2", n)
			}
		}
	}
}

func TestLazyWaiterStopsWithItsContext(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	started := make(chan struct{})
	l := NewLazy(func(context.Context) (int, error) { close(started); <-release; return 1, nil })
	go l.Get(context.Background())
	<-started
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.Get(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("waiter with a cancelled context got %v", err)
	}
}

func TestLazyPanickingLoadIsNotKept(t *testing.T) {
	var loads atomic.Int32
	l := NewLazy(func(context.Context) (int, error) {
		if loads.Add(1) == 1 {
			panic("boom")
		}
		return 7, nil
	})
	func() {
		defer func() { recover() }()
		l.Get(context.Background())
	}()
	if v, err := l.Get(context.Background()); err != nil || v != 7 {
		t.Fatalf("after a panicking load, Get = %v, %v", v, err)
	}
}
