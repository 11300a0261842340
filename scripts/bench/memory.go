package main

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"os"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"time"
)

// memSampler samples the process's memory while a measurement runs, to
// say where the peak RSS comes from: the Go runtime, DuckDB's tracked
// memory (duckdb_memory()), or neither (allocator overhead, code, stacks).
type memSampler struct {
	db    *sql.DB
	trace bool
	stop  chan struct{}
	wg    sync.WaitGroup

	mu                      sync.Mutex
	phase                   string
	rssPeak                 map[string]float64 // per phase, MB
	goPeak, duckPeak, rssMB float64
}

// startMemSampler samples every 50 ms until Stop; with trace it prints
// each sample to stderr.
func startMemSampler(db *sql.DB, trace bool) *memSampler {
	m := &memSampler{db: db, trace: trace, stop: make(chan struct{}), rssPeak: map[string]float64{}, phase: "stage"}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			m.sample()
			select {
			case <-m.stop:
				return
			case <-t.C:
			}
		}
	}()
	return m
}

// Phase names what runs from now on, e.g. "diff".
func (m *memSampler) Phase(p string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.phase = p
}

func (m *memSampler) sample() {
	rss := rssMB()
	// What the Go runtime has mapped, less the heap it has handed back to
	// the system: about the runtime's share of the RSS.
	s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(s)
	goMB := float64(s[0].Value.Uint64()-s[1].Value.Uint64()) / (1 << 20)
	var duck float64
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	var b sql.NullFloat64
	if err := m.db.QueryRowContext(ctx, `SELECT sum(memory_usage_bytes) FROM duckdb_memory()`).Scan(&b); err == nil {
		duck = b.Float64 / (1 << 20)
	}
	if m.trace {
		m.print(ctx, rss, goMB, duck)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rssPeak[m.phase] = max(m.rssPeak[m.phase], rss)
	m.goPeak = max(m.goPeak, goMB)
	m.duckPeak = max(m.duckPeak, duck)
}

// print writes one sample to stderr with DuckDB's memory by tag.
func (m *memSampler) print(ctx context.Context, rss, goMB, duck float64) {
	var tags strings.Builder
	rows, err := m.db.QueryContext(ctx, `SELECT tag, memory_usage_bytes // 1048576 FROM duckdb_memory() WHERE memory_usage_bytes > 1048576`)
	if err == nil {
		for rows.Next() {
			var t string
			var v int64
			if rows.Scan(&t, &v) == nil {
				fmt.Fprintf(&tags, " %s=%d", t, v)
			}
		}
		rows.Close()
	}
	m.mu.Lock()
	phase := m.phase
	m.mu.Unlock()
	fmt.Fprintf(os.Stderr, "%s %s rss=%.0f go=%.0f duck=%.0f%s\n", time.Now().Format("15:04:05.0"), phase, rss, goMB, duck, tags.String())
}

// Stop ends sampling and adds the peaks to extra.
func (m *memSampler) Stop(extra map[string]float64) {
	close(m.stop)
	m.wg.Wait()
	m.mu.Lock()
	defer m.mu.Unlock()
	for p, v := range m.rssPeak {
		extra["rss_peak_mb_"+p] = float64(int(v))
	}
	extra["go_runtime_peak_mb"] = float64(int(m.goPeak))
	extra["duckdb_tracked_peak_mb"] = float64(int(m.duckPeak))
}

// rssMB reads the resident set size from /proc/self/status; 0 elsewhere.
func rssMB() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}
