package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"os"
	"strings"

	"minisync/minicrm/sim"
)

func init() {
	register(command{
		name: "sim", args: "[flags]",
		summary: "run a local MiniCRM simulator (R3 API, /Api/Order, XML feed) with fault injection",
		run:     runSim,
	})
}

// simKeyEnv names the environment variable holding the simulator's API key.
const simKeyEnv = "MINISYNC_SIM_API_KEY"

const simHelp = `
Runs a MiniCRM simulator on --addr until interrupted (Ctrl-C or SIGTERM),
then saves its state. It answers like the real service (see
minicrm/PROTOCOL.md): HTTP Basic auth with the SystemId as user and the API
key as password, /Api/R3/{Category,Schema,Contact,Project}, /Api/Order and
POST /Api/SyncFeed/{SystemId}/Upload, plain-text errors, pages of 100, and
the rate limits (sliding windows: --r3-per-minute, --feed-per-hour; /Api/Order
unlimited). Nothing is ever deleted.

The API key is read from --api-key-file, else from $MINISYNC_SIM_API_KEY.
With neither, a random 32-character key is generated and printed once to
stderr with the export line to use it.

The account is a Hungarian demo system (users, modules Webshop, Rendelések,
Ajánlatok, Számlák, their statuses and fields) unless --system names a JSON
file describing another (the sim.System type: Users, Categories with
Statuses and Fields, PersonFields, BusinessFields).

With --state the records (contacts, cards, orders) are loaded at start if
the file exists and written back as JSON on exit and at most once a second
while they change, so a run can be inspected or continued.

Faults (all off by default; the random ones are reproducible with --seed):
  --latency 200ms --latency-jitter 300ms
      every request waits 200 ms plus a random 0-300 ms before it is served.
  --error-rate 0.05
      5% of requests are answered 500 "Internal Server Error" before anything
      is done: nothing is applied, a retry is safe.
  --drop-rate 0.1
      10% of writes (PUT, POST) are applied and committed, then the
      connection is closed without a response: the client sees EOF and must
      find out (search by e-mail or ReferenceId) whether its write happened.
  --burst-429-every 5m --burst-429-for 20s
      every 5 minutes, for 20 seconds, every request gets 429 "Too Many
      Requests", as if another integration had used up the account's limit.

Example:
  export MINISYNC_SIM_API_KEY=0123456789abcdef0123456789abcdef
  minisync sim --state sim-state.json --drop-rate 0.1 --error-rate 0.05`

func runSim(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlags(env, commands["sim"], simHelp)
	addr := fs.String("addr", "127.0.0.1:8450", "address to listen on (port 0 picks a free one)")
	stateFile := fs.String("state", "", "JSON `file` of the records: loaded at start if present, saved on exit and while running")
	systemFile := fs.String("system", "", "JSON `file` describing the account (users, modules, statuses, fields); default: the Hungarian demo system")
	systemID := fs.String("system-id", "12345", "SystemId: the Basic auth user name and the {SystemId} of the feed URL")
	keyFile := fs.String("api-key-file", "", "read the API key from this `file` (instead of $"+simKeyEnv+")")
	r3 := fs.Int("r3-per-minute", 60, "limit on /Api/R3/* requests per sliding 60 s; more get 429")
	feed := fs.Int("feed-per-hour", 180, "limit on SyncFeed uploads per sliding hour; more get 429")
	latency := fs.Duration("latency", 0, "fault: delay every request by this much, e.g. 200ms")
	jitter := fs.Duration("latency-jitter", 0, "fault: add a random delay of up to this much, e.g. 300ms")
	errRate := fs.Float64("error-rate", 0, "fault: fraction (0-1) of requests answered 500 before anything is done, e.g. 0.05")
	dropRate := fs.Float64("drop-rate", 0, "fault: fraction (0-1) of writes applied, then answered by closing the connection (client sees EOF), e.g. 0.1")
	burstEvery := fs.Duration("burst-429-every", 0, "fault: start a burst of 429s this often, e.g. 5m (needs --burst-429-for)")
	burstFor := fs.Duration("burst-429-for", 0, "fault: how long each burst of 429s lasts, e.g. 20s")
	seed := fs.Int64("seed", 1, "seed of the random faults (same seed, same sequence)")
	verbose := fs.Bool("verbose", false, "log every request to stderr")
	if _, code := parse(env, fs, args, 0); code >= 0 {
		return code
	}

	key, generated, err := simAPIKey(*keyFile)
	if err != nil {
		return fail(env, exitUsage, err)
	}
	var system *sim.System
	if *systemFile != "" {
		if system, err = sim.LoadSystem(*systemFile); err != nil {
			return fail(env, exitUsage, err)
		}
	}
	s, err := sim.New(sim.Config{
		SystemID: *systemID, APIKey: key, R3PerMinute: *r3, FeedPerHour: *feed,
		StateFile: *stateFile, System: system, Logger: newLogger(env, *verbose),
		Faults: sim.Faults{
			Latency: *latency, LatencyJitter: *jitter, ErrorRate: *errRate, DropRate: *dropRate,
			Burst429Every: *burstEvery, Burst429For: *burstFor, Seed: *seed,
		},
	})
	if err != nil {
		return fail(env, exitUsage, err)
	}
	base, err := s.Start(*addr)
	if err != nil {
		s.Close()
		return fail(env, exitFailed, err)
	}
	if generated {
		fmt.Fprintf(env.stderr, "minisync sim: no API key given; this run uses a generated one (shown only now):\n  export %s=%s\n", simKeyEnv, key)
	}
	fmt.Fprintf(env.stdout, "MiniCRM simulator on %s · SystemId %s\n", base, s.SystemID())
	if *stateFile != "" {
		fmt.Fprintf(env.stdout, "state: %s\n", *stateFile)
	}
	<-ctx.Done()
	fmt.Fprintln(env.stdout, "stopping")
	if err := s.Close(); err != nil {
		return fail(env, exitFailed, err)
	}
	st := s.Stats().Total()
	fmt.Fprintf(env.stdout, "served %d request(s): %d over the limit, %d injected 500, %d injected 429, %d dropped\n",
		st.Requests, st.OverLimit, st.Errors, st.Burst429, st.Dropped)
	return exitOK
}

// simAPIKey reads the key from file, else the environment, else generates
// one (generated reports that).
func simAPIKey(file string) (key string, generated bool, err error) {
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return "", false, fmt.Errorf("reading the API key: %w", err)
		}
		if key = strings.TrimSpace(string(data)); key == "" {
			return "", false, fmt.Errorf("reading the API key: %s is empty", file)
		}
		return key, false, nil
	}
	if key = strings.TrimSpace(os.Getenv(simKeyEnv)); key != "" {
		return key, false, nil
	}
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, 32)
	for i := range b {
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		if err != nil {
			return "", false, errors.New("generating an API key: " + err.Error())
		}
		b[i] = alphabet[n.Int64()]
	}
	return string(b), true, nil
}
