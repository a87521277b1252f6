package awsx

import (
	"context"
	"sync"
)

// Lazy is a value loaded on first use and kept for the life of the process
// (one Lambda cold start): a secret, or what is built from one. A function's
// init then only reads its configuration and builds clients, and makes no
// network call.
//
// A load that fails is not kept: the caller gets the error and the next
// use loads again, so a secret that could not be read at one invocation is
// read at the next. Uses that arrive while a load is under way wait for
// it and share its outcome (one read for any number of concurrent first
// uses); a waiter whose context ends stops waiting with its context's
// error.
type Lazy[T any] struct {
	load func(context.Context) (T, error)

	mu      sync.Mutex
	done    bool
	value   T
	pending *lazyCall[T]
}

type lazyCall[T any] struct {
	finished chan struct{}
	value    T
	err      error
}

// NewLazy returns a Lazy whose value load produces. load gets the context
// of the use that triggered it.
func NewLazy[T any](load func(context.Context) (T, error)) *Lazy[T] {
	return &Lazy[T]{load: load}
}

// Get returns the value, loading it if no load has succeeded yet.
func (l *Lazy[T]) Get(ctx context.Context) (T, error) {
	l.mu.Lock()
	if l.done {
		v := l.value
		l.mu.Unlock()
		return v, nil
	}
	call := l.pending
	if call == nil {
		call = &lazyCall[T]{finished: make(chan struct{})}
		l.pending = call
		l.mu.Unlock()
		l.run(ctx, call)
		return call.value, call.err
	}
	l.mu.Unlock()
	select {
	case <-call.finished:
		return call.value, call.err
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
}

// run loads, records the outcome and releases the waiters, even when load
// panics (the panic then goes on up the caller's stack).
func (l *Lazy[T]) run(ctx context.Context, call *lazyCall[T]) {
	ok := false
	defer func() {
		l.mu.Lock()
		if ok && call.err == nil {
			l.done, l.value = true, call.value
		}
		if !ok && call.err == nil {
			call.err = errLoadPanicked
		}
		l.pending = nil
		l.mu.Unlock()
		close(call.finished)
	}()
	call.value, call.err = l.load(ctx)
	ok = true
}

type lazyError string

func (e lazyError) Error() string { return string(e) }

const errLoadPanicked = lazyError("loading the value failed unexpectedly")
