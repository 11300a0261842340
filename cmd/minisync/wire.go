package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"minisync/config"
	"minisync/formats/delimited"
	"minisync/formats/saga"
	"minisync/formats/ubl"
	"minisync/formats/unasxml"
	"minisync/mappings"
	"minisync/pipeline"
	"minisync/runner"
	"minisync/sources/httpfile"
	"minisync/sources/local"
	"minisync/sources/sftp"
	"minisync/sources/unasapi"
	"minisync/store"
)

// formats are the file formats by the name a mapping gives.
var formats = map[string]func(config.Format) (pipeline.Format, error){
	"unas-xml": func(config.Format) (pipeline.Format, error) { return unasxml.New(), nil },
	"ubl-xml":  func(config.Format) (pipeline.Format, error) { return ubl.New(), nil },
	"saga-xml": func(config.Format) (pipeline.Format, error) { return saga.New(), nil },
	"csv": func(f config.Format) (pipeline.Format, error) {
		return delimited.New(delimited.Options{
			Delimiter: f.Delimiter, Quote: f.Quote, Header: true, Encoding: f.Encoding, FallbackEncoding: f.FallbackEncoding,
			GroupBy: f.GroupBy, Ragged: f.Ragged, TrimSpace: f.TrimSpace,
		})
	},
}

func formatNames() []string { return slices.Sorted(maps.Keys(formats)) }

// sources build a source from an integration's source section.
var sources = map[string]func(ctx context.Context, in *config.Integration, log *slog.Logger) (pipeline.Source, error){
	"local": func(_ context.Context, in *config.Integration, _ *slog.Logger) (pipeline.Source, error) {
		return local.New(local.Config{Dir: in.Source.Dir, Glob: in.Source.Glob, AfterSuccess: in.Source.AfterSuccess})
	},
	"http": func(_ context.Context, in *config.Integration, log *slog.Logger) (pipeline.Source, error) {
		h := in.Source.HTTP
		return httpfile.New(httpfile.Config{
			URLs: h.URLs, BearerToken: h.BearerToken, Username: h.User, Password: h.Password,
			MaxSize: h.MaxSize, Timeout: time.Duration(h.Timeout), Logger: log.WithGroup("http"),
		})
	},
	"unas-api": func(_ context.Context, in *config.Integration, log *slog.Logger) (pipeline.Source, error) {
		return unasapi.New(unasConfig(in, log))
	},
	"sftp": func(ctx context.Context, in *config.Integration, log *slog.Logger) (pipeline.Source, error) {
		s := in.Source
		c := s.SFTP
		return sftp.New(ctx, sftp.Config{
			Host: c.Host, Port: c.Port, User: c.User, Password: c.Password,
			PrivateKey: c.PrivateKey, Passphrase: c.Passphrase, KnownHostsFile: c.KnownHosts,
			Dir: s.Dir, Glob: s.Glob, Timeout: time.Duration(c.Timeout), IdleTimeout: time.Duration(c.IdleTimeout),
			Retries: c.Retries, AfterSuccess: s.AfterSuccess,
		}, log.WithGroup("sftp"))
	},
}

// unasConfig is the UNAS API source's configuration; the first window
// starts at sync_start, midnight in Budapest.
func unasConfig(in *config.Integration, log *slog.Logger) unasapi.Config {
	u := in.Source.UNAS
	budapest, _ := time.LoadLocation("Europe/Budapest")
	start, _ := time.ParseInLocation(time.DateOnly, in.SyncStart, budapest)
	return unasapi.Config{
		BaseURL: u.URL, APIKey: u.APIKey, Overlap: time.Duration(u.Overlap), PageOverlap: u.PageOverlap,
		MaxCallsPerHour: u.MaxCallsPerHour, FirstWindowStart: start, Logger: log.WithGroup("unas"),
	}
}

// configError marks errors in the integration or mapping (exit status 2).
type configError struct{ error }

func (e configError) Unwrap() error { return e.error }

// resolveIntegration accepts a path to an integration file, or a name
// looked up as integrations/<name>.yaml.
func resolveIntegration(ref string) string {
	if _, err := os.Stat(ref); err == nil || filepath.Ext(ref) != "" {
		return ref
	}
	return filepath.Join("integrations", ref+".yaml")
}

// loadIntegration reads the integration file and compiles its mapping.
func loadIntegration(ref string) (*config.Integration, *mappings.Mapper, pipeline.Format, error) {
	in, err := config.Load(resolveIntegration(ref))
	if err != nil {
		return nil, nil, nil, configError{err}
	}
	mappingRef := in.Mapping
	if _, ok := mappingShipped(mappingRef); !ok {
		mappingRef = filepath.Join(in.Dir, in.Mapping)
	}
	spec, err := mappings.Load(mappingRef)
	if err != nil {
		return nil, nil, nil, configError{err}
	}
	m, err := mappings.Compile(spec, in.Params, in.SyncStart)
	if err != nil {
		return nil, nil, nil, configError{fmt.Errorf("%s: %w", in.Path, err)}
	}
	fs := in.Format
	if fs.Type == "" {
		fs.Type = spec.Format
	}
	newFormat, ok := formats[fs.Type]
	if !ok {
		return nil, nil, nil, configError{fmt.Errorf("%s: format %q is unknown (known: %s)", in.Path, fs.Type, strings.Join(formatNames(), ", "))}
	}
	f, err := newFormat(fs)
	if err != nil {
		return nil, nil, nil, configError{fmt.Errorf("%s: format: %w", in.Path, err)}
	}
	return in, m, f, nil
}

func mappingShipped(name string) (string, bool) {
	for _, n := range mappings.Shipped() {
		if n == name {
			return n, true
		}
	}
	return "", false
}

// openRunner loads the integration, opens its staging store and, when
// withSource is set, connects its source. close releases all of it.
func openRunner(ctx context.Context, env *cliEnv, ref string, withSource bool, log *slog.Logger) (*runner.Runner, func(), error) {
	in, m, f, err := loadIntegration(ref)
	if err != nil {
		return nil, nil, err
	}
	st, err := store.Open(ctx, in.Staging)
	if err != nil {
		return nil, nil, err
	}
	r := &runner.Runner{In: in, Store: st, Format: f, Mapper: m, Logger: log}
	if env.isTTY {
		r.Progress = &ttyProgress{w: env.stderr}
	}
	closeAll := func() { st.Close() }
	if withSource {
		if err := in.ResolveSourceSecrets(); err != nil {
			st.Close()
			return nil, nil, configError{err}
		}
		newSource, ok := sources[in.Source.Type]
		if !ok {
			st.Close()
			return nil, nil, configError{fmt.Errorf("source type %q is unknown", in.Source.Type)}
		}
		src, err := newSource(ctx, in, log)
		if err != nil {
			st.Close()
			return nil, nil, fmt.Errorf("connecting to source: %w", err)
		}
		r.Source = src
		closeAll = func() { src.Close(); st.Close() }
	}
	return r, closeAll, nil
}

// exitFor maps an error to an exit status.
func exitFor(err error) int {
	var ce configError
	if errors.As(err, &ce) {
		return exitUsage
	}
	return exitFailed
}

// newLogger logs to stderr: warnings and errors by default, everything with
// --verbose.
func newLogger(env *cliEnv, verbose bool) *slog.Logger {
	level := slog.LevelWarn
	if verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(env.stderr, &slog.HandlerOptions{Level: level}))
}
