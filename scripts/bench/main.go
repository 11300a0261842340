// Command bench measures minisync's stages on large generated inputs and
// prints a table of throughput, peak memory and the targets of the
// performance issue beside the measured figures.
//
//	go run ./scripts/bench [--xml-mb 1024] [--csv-rows 1000000] [--diff-keys 1000000]
//	    [--load-changes 10000] [--dir /tmp/minisync-bench] [--only xml,csv,diff,load] [--json FILE]
//
// Every measurement runs in a child process of this binary (a hidden
// --child flag), so the peak RSS reported is that measurement's own
// (getrusage ru_maxrss of the child). Inputs are generated once into --dir
// with minisync/fixtures/gen and reused while their parameters match
// (see manifest.json there). Nothing here asserts: a missed target is
// printed as such.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"minisync/minicrm/sim"
	"minisync/store"
)

// opts are the command line options, passed on to the children.
type opts struct {
	XMLMB        int
	CSVRows      int
	DiffKeys     int
	LoadChanges  int
	Rate         int
	Dir          string
	Only         string
	JSON         string
	Keep         bool
	Child        string
	SimURL       string
	CPUProfile   string
	DuckDBMem    string
	RowGroupSize int
	Repeat       int
	MemTrace     bool
}

// result is what one child measured; the parent adds the peak RSS.
type result struct {
	Name    string             `json:"name"`
	Input   string             `json:"input"`
	Bytes   int64              `json:"bytes"`
	Rows    int64              `json:"rows"`
	Seconds float64            `json:"seconds"`
	Extra   map[string]float64 `json:"extra,omitempty"`
	Notes   []string           `json:"notes,omitempty"`
	RSSKiB  int64              `json:"peak_rss_kib"`
	Err     string             `json:"error,omitempty"`
}

const simKeyEnv = "MINISYNC_BENCH_MINICRM_KEY"

func main() {
	var o opts
	fs := flag.NewFlagSet("bench", flag.ExitOnError)
	fs.IntVar(&o.XMLMB, "xml-mb", 1024, "size of the UNAS XML export in MiB (1024 = 1 GiB)")
	fs.IntVar(&o.CSVRows, "csv-rows", 1_000_000, "rows of the ERP invoice-lines CSV")
	fs.IntVar(&o.DiffKeys, "diff-keys", 1_000_000, "staged keys of the diff measurement (1 % change on day 2)")
	fs.IntVar(&o.LoadChanges, "load-changes", 10_000, "changes of the first load night against the simulator")
	fs.IntVar(&o.Rate, "rate", 6000, "the simulator's and the client's R3 limit per minute")
	fs.StringVar(&o.Dir, "dir", filepath.Join(os.TempDir(), "minisync-bench"), "folder for the generated inputs and the work folders")
	fs.StringVar(&o.Only, "only", "xml,csv,diff,load", "comma-separated measurements to run: xml, csv, diff, load")
	fs.StringVar(&o.JSON, "json", "", "also write the results to this JSON file")
	fs.BoolVar(&o.Keep, "keep", false, "keep the work folders (staging databases, archives) afterwards")
	fs.StringVar(&o.Child, "child", "", "internal: run one measurement and print its result as JSON")
	fs.StringVar(&o.SimURL, "sim-url", "", "internal: the simulator of the load child")
	fs.StringVar(&o.DuckDBMem, "duckdb-memory", store.MemoryLimit, "DuckDB memory_limit of minisync's staging store in the measurements")
	fs.IntVar(&o.RowGroupSize, "row-group-size", store.RowGroupSize, "DuckDB row group size of minisync's staging store in the measurements")
	fs.IntVar(&o.Repeat, "repeat", 1, "run each measurement but the load this many times, interleaved, and report the median time and the largest peak RSS")
	fs.BoolVar(&o.MemTrace, "memtrace", false, "print every memory sample of the staging measurements (RSS, Go, DuckDB by tag) to stderr")
	fs.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of each measurement to this folder (<name>.pprof)")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: go run ./scripts/bench [flags]\n")
		fs.VisitAll(func(f *flag.Flag) {
			if f.Name == "child" || f.Name == "sim-url" {
				return
			}
			fmt.Fprintf(fs.Output(), "  --%s (default %q)\n    \t%s\n", f.Name, f.DefValue, f.Usage)
		})
	}
	fs.Parse(os.Args[1:])
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "bench: unexpected argument %q\n", fs.Arg(0))
		os.Exit(2)
	}
	if o.Child != "" {
		os.Exit(runChild(o))
	}
	if o.CPUProfile != "" {
		abs, err := filepath.Abs(o.CPUProfile)
		if err == nil {
			err = os.MkdirAll(abs, 0o755)
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench: --cpuprofile: %v\n", err)
			os.Exit(2)
		}
		o.CPUProfile = abs
	}
	if err := parent(o); err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		os.Exit(1)
	}
}

func runChild(o opts) int {
	f, ok := children[o.Child]
	if !ok {
		fmt.Fprintf(os.Stderr, "bench: unknown child %q\n", o.Child)
		return 2
	}
	store.MemoryLimit = o.DuckDBMem
	store.RowGroupSize = o.RowGroupSize
	if o.CPUProfile != "" {
		stop, err := startCPUProfile(filepath.Join(o.CPUProfile, o.Child+".pprof"))
		if err != nil {
			fmt.Fprintf(os.Stderr, "bench: %v\n", err)
			return 1
		}
		defer stop()
	}
	r, err := f(o)
	r.Name = o.Child
	if err != nil {
		r.Err = err.Error()
	}
	b, _ := json.Marshal(r)
	os.Stdout.Write(append(b, '\n'))
	if err != nil {
		return 1
	}
	return 0
}

func parent(o opts) error {
	only := map[string]bool{}
	for _, s := range strings.Split(o.Only, ",") {
		s = strings.TrimSpace(s)
		switch s {
		case "xml", "csv", "diff", "load":
			only[s] = true
		case "":
		default:
			return fmt.Errorf("--only: unknown measurement %q (xml, csv, diff, load)", s)
		}
	}
	abs, err := filepath.Abs(o.Dir)
	if err != nil {
		return err
	}
	o.Dir = abs
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return err
	}
	started := time.Now()
	if err := prepareInputs(o, only); err != nil {
		return fmt.Errorf("generating inputs: %w", err)
	}

	var plan []string
	if only["xml"] {
		plan = append(plan, "xml-scan", "xml-stage")
	}
	if only["csv"] {
		plan = append(plan, "csv-duckdb", "csv-stage", "csv-stage-1250")
	}
	if only["diff"] {
		plan = append(plan, "diff")
	}
	if only["load"] {
		plan = append(plan, "load")
	}
	var srv *sim.Server
	if only["load"] {
		// The simulator runs in this process, so that the load child's
		// peak RSS is minisync's alone.
		key := "bench-key-0123456789abcdef0123456789"
		srv, err = sim.New(sim.Config{SystemID: "777", APIKey: key, R3PerMinute: o.Rate, FeedPerHour: 100000})
		if err != nil {
			return err
		}
		if o.SimURL, err = srv.Start("127.0.0.1:0"); err != nil {
			return err
		}
		defer srv.Close()
		os.Setenv(simKeyEnv, key)
	}

	// Rounds run the plan in order, so that a measurement and its
	// reference are taken close together however the machine drifts.
	runs := map[string][]result{}
	for round := 1; round <= max(1, o.Repeat); round++ {
		for _, name := range plan {
			if name == "load" && round > 1 {
				continue // the simulator's counters are per process
			}
			fmt.Fprintf(os.Stderr, "bench: %s (run %d) …\n", name, round)
			r := child(o, name)
			if name == "load" && srv != nil {
				st := srv.Stats()
				if r.Extra == nil {
					r.Extra = map[string]float64{}
				}
				r.Extra["sim_r3_requests"] = float64(st.R3.Requests)
				r.Extra["sim_r3_over_limit_429"] = float64(st.R3.OverLimit)
				r.Extra["sim_feed_requests"] = float64(st.Feed.Requests)
				r.Extra["sim_r3_max_in_60s"] = float64(st.R3.MaxInWindow)
			}
			if r.Err != "" {
				fmt.Fprintf(os.Stderr, "bench: %s failed: %s\n", name, r.Err)
			} else {
				fmt.Fprintf(os.Stderr, "bench: %s done in %.1f s, peak RSS %.0f MB\n", name, r.Seconds, mb(r.RSSKiB*1024))
			}
			runs[name] = append(runs[name], r)
		}
	}
	var results []result
	for _, name := range plan {
		results = append(results, median(runs[name]))
	}
	if !o.Keep {
		os.RemoveAll(filepath.Join(o.Dir, "work"))
	}

	rows := tableRows(results)
	printTable(os.Stdout, rows)
	printNotes(os.Stdout, results)
	printMachine(os.Stdout, started)
	if o.JSON != "" {
		out := struct {
			Options opts      `json:"options"`
			Results []result  `json:"results"`
			Table   []row     `json:"table"`
			Machine string    `json:"machine"`
			Date    time.Time `json:"date"`
		}{o, results, rows, machine(), started}
		b, err := json.MarshalIndent(out, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(o.JSON, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// child runs one measurement in a child process and reads its result.
func child(o opts, name string) result {
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	args := []string{
		"--child", name, "--dir", o.Dir, "--xml-mb", fmt.Sprint(o.XMLMB), "--csv-rows", fmt.Sprint(o.CSVRows),
		"--diff-keys", fmt.Sprint(o.DiffKeys), "--load-changes", fmt.Sprint(o.LoadChanges), "--rate", fmt.Sprint(o.Rate),
	}
	if o.SimURL != "" {
		args = append(args, "--sim-url", o.SimURL)
	}
	if o.CPUProfile != "" {
		args = append(args, "--cpuprofile", o.CPUProfile)
	}
	if o.MemTrace {
		args = append(args, "--memtrace")
	}
	args = append(args, "--duckdb-memory", o.DuckDBMem, "--row-group-size", fmt.Sprint(o.RowGroupSize))
	cmd := exec.Command(exe, args...)
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = os.Stderr
	runErr := cmd.Run()
	var r result
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) > 0 && line[0] == '{' {
			if err := json.Unmarshal(line, &r); err != nil {
				r.Err = fmt.Sprintf("reading the child's result: %v", err)
			}
		}
	}
	r.Name = name
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			r.RSSKiB = ru.Maxrss // KiB on Linux
		}
	}
	if r.Err == "" && runErr != nil {
		var ee *exec.ExitError
		if errors.As(runErr, &ee) {
			r.Err = "child exited: " + ee.String()
		} else {
			r.Err = runErr.Error()
		}
	}
	return r
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }

// machine describes the CPU: nproc and the model name.
func machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		if _, err := fmt.Sscanf(string(b), "MemTotal: %d kB", &kb); err == nil {
			mem = fmt.Sprintf(", %.1f GiB RAM", float64(kb)/(1<<20))
		}
	}
	return fmt.Sprintf("%d CPUs (nproc), %s%s, %s/%s, %s", runtime.NumCPU(), model, mem, runtime.GOOS, runtime.GOARCH, runtime.Version())
}

func printMachine(w io.Writer, started time.Time) {
	fmt.Fprintf(w, "\nmachine: %s\n", machine())
	fmt.Fprintf(w, "date:    %s (the whole run took %s)\n", started.Format(time.RFC3339), time.Since(started).Round(time.Second))
}

// startCPUProfile starts writing a CPU profile to path; stop ends it.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
