package load

import (
	"context"
	"testing"
	"time"
)

// TestCancelledDrainDoesNotBlockTheWriter: a page that gives up waiting for
// the writer (the run was cancelled) must not leave the writer stuck, or
// the load would never finish stopping.
func TestCancelledDrainDoesNotBlockTheWriter(t *testing.T) {
	for range 50 {
		l := &loader{}
		l.startWriter(context.Background())
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_ = l.drain(ctx) // may or may not have handed its marker over
		stopped := make(chan error, 1)
		go func() { stopped <- l.stopWriter() }()
		select {
		case err := <-stopped:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the writer did not stop after a cancelled drain")
		}
	}
}
