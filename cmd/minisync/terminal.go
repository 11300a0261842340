package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"golang.org/x/term"
)

func isTerminal(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }

// ttyProgress draws one self-overwriting status line on a terminal, at
// most ten times a second.
type ttyProgress struct {
	w    io.Writer
	last time.Time
	drew bool
}

func (p *ttyProgress) Update(what string, n int64, unit string) {
	if time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	amount := fmt.Sprintf("%d %s", n, unit)
	if unit == "B" {
		amount = humanBytes(n)
	}
	fmt.Fprintf(p.w, "\r\033[K  %s: %s", what, amount)
	p.drew = true
}

func (p *ttyProgress) Done() {
	if p.drew {
		fmt.Fprint(p.w, "\r\033[K")
		p.drew = false
	}
	p.last = time.Time{}
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
