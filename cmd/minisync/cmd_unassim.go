package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"strings"
	"time"

	"minisync/sources/unasapi/unassim"
)

func init() {
	register(command{
		name: "unas-sim", args: "[flags]",
		summary: "run a local UNAS webshop API simulator (login, getOrder) serving fixture orders",
		run:     runUnasSim,
	})
}

// unasSimKeyEnv names the environment variable holding the UNAS
// simulator's API key.
const unasSimKeyEnv = "MINISYNC_UNAS_SIM_API_KEY"

const unasSimHelp = `
Runs a UNAS webshop API simulator on --addr until interrupted (Ctrl-C or
SIGTERM). It serves the orders of the --orders files (UNAS getOrder XML,
<Orders><Order>…, each order with a Key and a DateMod like
2026.11.18 14:22:05, Europe/Budapest) the way the real API does
(shared/reference/sources.md §A):

  POST {base}/login     <Params><ApiKey>…</ApiKey></Params> → <Login> with a
                        Token and its ExpireTime (unix); a wrong key gets
                        400 <Error>Login Error: …</Error>
  POST {base}/getOrder  with Authorization: Bearer <Token>; filters DateMod
                        by TimeModStart/TimeModEnd (unix, inclusive), sorts
                        by DateMod then Key, pages by LimitStart/LimitNum
                        (LimitNum > 500 gets 400 <Error>)

The base URL is printed at start (http://ADDR/shop); configure it as the UNAS
source's base_url. An expired or unknown token gets HTTP 401
<Error>Token expired</Error> (the simulator's choice; the real answer is not
verified). Past --hourly-limit getOrder list calls in a sliding hour the IP
is "banned" for an hour: every call gets 400 <Error>Too much getOrder query,
IP is banned till m.d.Y H:i:s!</Error>, as UNAS does.

The API key is read from $MINISYNC_UNAS_SIM_API_KEY. Without it a random key
is generated and printed once to stderr with the export line to use it.

Example:
  export MINISYNC_UNAS_SIM_API_KEY=0123456789abcdef
  minisync unas-sim --orders fixtures/unas/orders-2026-11-19.xml \
      --orders fixtures/unas/orders-2026-11-20.xml --token-ttl 10m`

// stringList is a repeatable string flag.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

func (l *stringList) Set(v string) error {
	*l = append(*l, v)
	return nil
}

func runUnasSim(ctx context.Context, env *cliEnv, args []string) int {
	fs := newFlags(env, commands["unas-sim"], unasSimHelp)
	addr := fs.String("addr", "127.0.0.1:8460", "address to listen on (port 0 picks a free one)")
	var orders stringList
	fs.Var(&orders, "orders", "UNAS order XML `file` to serve (<Orders><Order>…); repeat for more, later files replace orders of the same Key")
	ttl := fs.Duration("token-ttl", 2*time.Hour, "lifetime of a login token, e.g. 10m to see renewals")
	limit := fs.Int("hourly-limit", 30, "getOrder list calls allowed per sliding hour before a one-hour ban (0: no limit)")
	verbose := fs.Bool("verbose", false, "log every request to stderr")
	if _, code := parse(env, fs, args, 0); code >= 0 {
		return code
	}
	if *ttl <= 0 || *limit < 0 {
		return fail(env, exitUsage, fmt.Errorf("--token-ttl must be positive and --hourly-limit not negative"))
	}

	key, generated := strings.TrimSpace(os.Getenv(unasSimKeyEnv)), false
	if key == "" {
		key, generated = rand.Text(), true
	}
	s, err := unassim.New(unassim.Config{APIKey: key, TokenTTL: *ttl, HourlyLimit: *limit, Logger: newLogger(env, *verbose)})
	if err != nil {
		return fail(env, exitUsage, err)
	}
	for _, f := range orders {
		data, err := os.ReadFile(f)
		if err != nil {
			return fail(env, exitUsage, fmt.Errorf("reading orders: %w", err))
		}
		if err := s.AddOrdersXML(data); err != nil {
			return fail(env, exitUsage, fmt.Errorf("%s: %w", f, err))
		}
	}
	base, err := s.Start(*addr)
	if err != nil {
		s.Close()
		return fail(env, exitFailed, err)
	}
	if generated {
		fmt.Fprintf(env.stderr, "minisync unas-sim: no API key given; this run uses a generated one (shown only now):\n  export %s=%s\n", unasSimKeyEnv, key)
	}
	fmt.Fprintf(env.stdout, "UNAS API simulator on %s · %d order(s) · token TTL %v · hourly limit %d\n", base, s.Len(), *ttl, *limit)
	<-ctx.Done()
	fmt.Fprintln(env.stdout, "stopping")
	if err := s.Close(); err != nil {
		return fail(env, exitFailed, err)
	}
	st := s.Stats()
	fmt.Fprintf(env.stdout, "served %d login(s) (%d refused), %d getOrder call(s), %d banned call(s)\n",
		st.Logins, st.FailedLogins, st.GetOrderCalls, st.Banned)
	if st.InvoiceAutoSetSent {
		fmt.Fprintln(env.stdout, "warning: a client sent InvoiceAutoSet to getOrder (it marks orders invoiced in a real shop)")
	}
	return exitOK
}
