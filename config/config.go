// Package config loads and validates an integration file: where the exports
// come from, how they are read and mapped, and where the staging DuckDB file
// and the raw archive live.
//
// Loading follows one path: strict YAML decoding (an unknown key is an
// error naming it and its line) → defaults → Validate. Secrets are never
// accepted inline; they are read from the environment or files by
// ResolveSourceSecrets and ResolveMiniCRMKey, only by the commands that
// need them.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
)

// Integration is one integration file.
type Integration struct {
	// Name identifies the integration in the archive, the lock and the runs
	// table; it defaults to the file's base name without extension.
	Name string `yaml:"name"`
	// Description is free text for humans.
	Description string `yaml:"description"`
	// Source says where the export files come from.
	Source Source `yaml:"source"`
	// Format names the file format and its dialect; the type defaults to
	// the mapping's format.
	Format Format `yaml:"format"`
	// Mapping names a shipped mapping (e.g. "unas-orders") or a path to a
	// mapping file, relative to the integration file.
	Mapping string `yaml:"mapping"`
	// Params are the values the mapping asks for (owner, status map, …).
	Params map[string]string `yaml:"params"`
	// SyncStart is the first date (YYYY-MM-DD) whose records are synced;
	// older records are skipped. Once a run has used it, it cannot change.
	SyncStart string `yaml:"sync_start"`
	// Data is the folder for the staging DuckDB file and the raw archive,
	// relative to the integration file; default "data".
	Data string `yaml:"data"`
	// Staging is the DuckDB file; default <data>/<name>.duckdb.
	Staging string `yaml:"staging"`
	// Archive is the raw archive root; default <data>/raw.
	Archive string `yaml:"archive"`
	// MiniCRM is where changes are sent; needed by run only.
	MiniCRM *MiniCRM `yaml:"minicrm"`

	// Dir is the folder of the integration file; relative paths resolve
	// against it. Not read from YAML.
	Dir string `yaml:"-"`
	// Path is the integration file's path. Not read from YAML.
	Path string `yaml:"-"`
}

// Source configures where export files are listed and fetched.
type Source struct {
	// Type is "local", "sftp" or "unas-api".
	Type string `yaml:"type"`
	// Dir is the folder holding the exports (local path or remote path).
	Dir string `yaml:"dir"`
	// Glob selects file names in Dir (path.Match syntax); default "*".
	Glob string `yaml:"glob"`
	// DatePattern is a regular expression on the file name whose first
	// group is the export date as YYYY-MM-DD or YYYYMMDD; when it does not
	// match, the file's modification time gives the date.
	DatePattern string `yaml:"date_pattern"`
	// Snapshot is "incremental" (default: a file holds changed records only)
	// or "full" (a file holds every record, so a missing one is reported).
	Snapshot string `yaml:"snapshot"`
	// AfterSuccess tidies the source up once a file is staged: "" leaves it
	// (default), "archive:<dir>" moves it into that folder on the server,
	// "delete" deletes it. For local and sftp sources.
	AfterSuccess string `yaml:"after_success"`
	// SFTP holds the connection settings when Type is "sftp".
	SFTP *SFTP `yaml:"sftp"`
	// UNAS holds the API settings when Type is "unas-api".
	UNAS *UNAS `yaml:"unas"`
	// HTTP holds the download settings when Type is "http".
	HTTP *HTTP `yaml:"http"`
}

// HTTP configures downloads of export files over HTTPS; an unchanged file
// (ETag / Last-Modified) is not downloaded again.
type HTTP struct {
	// URLs are the https export URLs, one file each.
	URLs []string `yaml:"urls"`
	// BearerTokenEnv / BearerTokenFile name a bearer token.
	BearerTokenEnv  string `yaml:"bearer_token_env"`
	BearerTokenFile string `yaml:"bearer_token_file"`
	// User with PasswordEnv / PasswordFile is HTTP Basic authentication.
	User         string `yaml:"user"`
	PasswordEnv  string `yaml:"password_env"`
	PasswordFile string `yaml:"password_file"`
	// MaxSize bounds a download in bytes; default 2 GiB.
	MaxSize int64 `yaml:"max_size"`
	// Timeout bounds connecting and any pause in a download; default 60s.
	Timeout Duration `yaml:"timeout"`

	// BearerToken and Password are the resolved secrets. Not read from YAML.
	BearerToken string `yaml:"-"`
	Password    string `yaml:"-"`
}

// UNAS configures the UNAS API source: orders modified since the last
// staged window, read with getOrder.
type UNAS struct {
	// URL is the API root; default https://api.unas.eu/shop.
	URL string `yaml:"url"`
	// APIKeyEnv / APIKeyFile name the shop's API key.
	APIKeyEnv  string `yaml:"api_key_env"`
	APIKeyFile string `yaml:"api_key_file"`
	// Overlap starts each window this long before the previous one ended;
	// default 5m.
	Overlap Duration `yaml:"overlap"`
	// PageOverlap re-reads this many orders at each page boundary, so an
	// order modified while the window is paged cannot be skipped; default 10.
	PageOverlap int `yaml:"page_overlap"`
	// MaxCallsPerHour keeps getOrder list calls under the plan's hourly
	// limit (PREMIUM allows 30); default 25.
	MaxCallsPerHour int `yaml:"max_calls_per_hour"`

	// APIKey is the resolved secret. Not read from YAML.
	APIKey string `yaml:"-"`
}

// SFTP configures an SFTP connection. Secrets are named, never inlined.
type SFTP struct {
	Host string `yaml:"host"`
	// Port defaults to 22.
	Port int    `yaml:"port"`
	User string `yaml:"user"`
	// PasswordEnv names an environment variable holding the password.
	PasswordEnv string `yaml:"password_env"`
	// PasswordFile names a file holding the password.
	PasswordFile string `yaml:"password_file"`
	// PrivateKeyFile names a PEM private key file.
	PrivateKeyFile string `yaml:"private_key_file"`
	// PassphraseEnv names an environment variable holding the key's passphrase.
	PassphraseEnv string `yaml:"passphrase_env"`
	// KnownHosts names the known_hosts file the host key is verified
	// against; required.
	KnownHosts string `yaml:"known_hosts"`
	// Timeout bounds connecting; default 30s.
	Timeout Duration `yaml:"timeout"`
	// IdleTimeout bounds each remote operation and each pause in a
	// download; a stalled server fails the run instead of hanging it.
	// Default 60s.
	IdleTimeout Duration `yaml:"idle_timeout"`
	// Retries is how often a dropped download is resumed from the byte it
	// reached; default 3.
	Retries int `yaml:"retries"`

	// Password and PrivateKey hold the resolved secrets. Not read from YAML.
	Password   string `yaml:"-"`
	PrivateKey []byte `yaml:"-"`
	Passphrase []byte `yaml:"-"`
}

// Format is the file format of the exports and, for delimited text, its
// dialect. In YAML it is a type name (format: unas-xml) or a map.
type Format struct {
	// Type is unas-xml, csv, ubl-xml or saga-xml.
	Type string `yaml:"type"`
	// Delimiter is the CSV field separator: ";", ",", "\t", "|" or "auto".
	Delimiter string `yaml:"delimiter"`
	// Quote is the CSV quote character, default '"'.
	Quote string `yaml:"quote"`
	// Encoding is utf-8 (default, checked strictly), windows-1250,
	// iso-8859-2 or auto (UTF-8, else FallbackEncoding).
	Encoding string `yaml:"encoding"`
	// FallbackEncoding is used for a file that is not valid UTF-8.
	FallbackEncoding string `yaml:"fallback_encoding"`
	// GroupBy makes consecutive rows with the same value of this column one
	// record (the lines of one invoice).
	GroupBy string `yaml:"group_by"`
	// Ragged is reject (default: a row with a wrong field count is a
	// reject) or pad (missing trailing fields read as empty).
	Ragged string `yaml:"ragged"`
	// TrimSpace trims every CSV field.
	TrimSpace bool `yaml:"trim_space"`
}

// UnmarshalYAML accepts a type name or a map.
func (f *Format) UnmarshalYAML(b []byte) error {
	var name string
	if err := yaml.Unmarshal(b, &name); err == nil {
		f.Type = name
		return nil
	}
	type plain Format
	return yaml.UnmarshalWithOptions(b, (*plain)(f), yaml.Strict())
}

// MiniCRM configures the MiniCRM account changes are sent to: the
// simulator or a test system first, production after sign-off.
type MiniCRM struct {
	// URL is the API's base URL; default https://r3.minicrm.hu.
	URL string `yaml:"url"`
	// SystemID is the account's numeric id (the user name of the API).
	SystemID string `yaml:"system_id"`
	// APIKeyEnv names an environment variable holding the API key.
	APIKeyEnv string `yaml:"api_key_env"`
	// APIKeyFile names a file holding the API key.
	APIKeyFile string `yaml:"api_key_file"`
	// R3PerMinute paces the REST API; default 60, MiniCRM's limit.
	R3PerMinute int `yaml:"r3_per_minute"`
	// FeedPerHour paces XML sync pushes; default 180, MiniCRM's limit.
	FeedPerHour int `yaml:"feed_per_hour"`
	// FeedBatch is how many cards go in one XML sync push; default 200.
	FeedBatch int `yaml:"feed_batch"`
	// Timeout bounds each request; default 30s.
	Timeout Duration `yaml:"timeout"`

	// APIKey is the resolved secret. Not read from YAML.
	APIKey string `yaml:"-"`
}

// Duration is a time.Duration written as "30s" or "2m" in YAML.
type Duration time.Duration

// UnmarshalText parses a duration such as "30s".
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// FieldError is a configuration error naming the field and its value.
type FieldError struct {
	File  string
	Field string
	Value string
	Msg   string
}

func (e *FieldError) Error() string {
	s := e.File + ": " + e.Field
	if e.Value != "" {
		s += fmt.Sprintf(" = %q", e.Value)
	}
	return s + ": " + e.Msg
}

// Load reads, resolves and validates the integration file at path.
func Load(path string) (*Integration, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading integration file: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("resolving integration file path: %w", err)
	}
	in := &Integration{}
	dec := yaml.NewDecoder(bytes.NewReader(b), yaml.Strict())
	if err := dec.Decode(in); err != nil {
		return nil, fmt.Errorf("%s: %s", path, yaml.FormatError(err, false, true))
	}
	in.Path = abs
	in.Dir = filepath.Dir(abs)
	in.setDefaults()
	if err := in.Validate(); err != nil {
		return nil, err
	}
	return in, nil
}

func (in *Integration) setDefaults() {
	if in.Name == "" {
		base := filepath.Base(in.Path)
		in.Name = strings.TrimSuffix(base, filepath.Ext(base))
	}
	if in.Data == "" {
		in.Data = "data"
	}
	in.Data = in.resolve(in.Data)
	if in.Staging == "" {
		in.Staging = filepath.Join(in.Data, in.Name+".duckdb")
	} else {
		in.Staging = in.resolve(in.Staging)
	}
	if in.Archive == "" {
		in.Archive = filepath.Join(in.Data, "raw")
	} else {
		in.Archive = in.resolve(in.Archive)
	}
	if in.Source.Glob == "" {
		in.Source.Glob = "*"
	}
	if in.Source.Snapshot == "" {
		in.Source.Snapshot = "incremental"
	}
	if in.Source.Type == "local" {
		in.Source.Dir = in.resolve(in.Source.Dir)
	}
	if m := in.MiniCRM; m != nil {
		if m.URL == "" {
			m.URL = "https://r3.minicrm.hu"
		}
		if m.R3PerMinute == 0 {
			m.R3PerMinute = 60
		}
		if m.FeedPerHour == 0 {
			m.FeedPerHour = 180
		}
		if m.FeedBatch == 0 {
			m.FeedBatch = 200
		}
		if m.Timeout == 0 {
			m.Timeout = Duration(30 * time.Second)
		}
		m.APIKeyFile = in.resolveOpt(m.APIKeyFile)
	}
	if h := in.Source.HTTP; h != nil {
		h.BearerTokenFile = in.resolveOpt(h.BearerTokenFile)
		h.PasswordFile = in.resolveOpt(h.PasswordFile)
	}
	if u := in.Source.UNAS; u != nil {
		if u.URL == "" {
			u.URL = "https://api.unas.eu/shop"
		}
		if u.Overlap == 0 {
			u.Overlap = Duration(5 * time.Minute)
		}
		if u.PageOverlap == 0 {
			u.PageOverlap = 10
		}
		if u.MaxCallsPerHour == 0 {
			u.MaxCallsPerHour = 25
		}
		u.APIKeyFile = in.resolveOpt(u.APIKeyFile)
	}
	if s := in.Source.SFTP; s != nil {
		if s.Port == 0 {
			s.Port = 22
		}
		if s.Timeout == 0 {
			s.Timeout = Duration(30 * time.Second)
		}
		s.KnownHosts = in.resolveOpt(s.KnownHosts)
		s.PasswordFile = in.resolveOpt(s.PasswordFile)
		s.PrivateKeyFile = in.resolveOpt(s.PrivateKeyFile)
	}
}

// resolve makes p absolute against the integration file's folder.
func (in *Integration) resolve(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(in.Dir, p)
}

func (in *Integration) resolveOpt(p string) string {
	if p == "" {
		return ""
	}
	return in.resolve(p)
}

var nameRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// Validate checks the integration's fields; each error names the field.
func (in *Integration) Validate() error {
	var errs []error
	bad := func(field, value, msg string) {
		errs = append(errs, &FieldError{File: in.Path, Field: field, Value: value, Msg: msg})
	}
	if !nameRe.MatchString(in.Name) {
		bad("name", in.Name, "must be 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit")
	}
	if in.Mapping == "" {
		bad("mapping", "", "is required (a shipped mapping name or a file path)")
	}
	if in.SyncStart != "" {
		if _, err := time.Parse(time.DateOnly, in.SyncStart); err != nil {
			bad("sync_start", in.SyncStart, "must be a date YYYY-MM-DD")
		}
	}
	s := in.Source
	switch s.Type {
	case "local":
		if s.Dir == "" {
			bad("source.dir", "", "is required")
		}
		if s.SFTP != nil {
			bad("source.sftp", "", "is only for source.type sftp")
		}
	case "sftp":
		if s.SFTP == nil {
			bad("source.sftp", "", "is required for source.type sftp")
		} else {
			errs = append(errs, s.SFTP.validate(in.Path)...)
		}
		if s.Dir == "" {
			bad("source.dir", "", "is required (the remote folder, e.g. /exports)")
		}
	case "http":
		if s.HTTP == nil || len(s.HTTP.URLs) == 0 {
			bad("source.http.urls", "", "is required for source.type http: the https URLs of the export files")
		} else {
			for i, raw := range s.HTTP.URLs {
				if u, err := url.Parse(raw); err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
					bad(fmt.Sprintf("source.http.urls[%d]", i), raw, "must be an https URL without credentials")
				}
			}
			if s.HTTP.BearerTokenEnv != "" && s.HTTP.BearerTokenFile != "" {
				bad("source.http.bearer_token_file", s.HTTP.BearerTokenFile, "give bearer_token_env or bearer_token_file, not both")
			}
		}
	case "unas-api":
		if s.UNAS == nil {
			bad("source.unas", "", "is required for source.type unas-api (api_key_env or api_key_file)")
		} else if (s.UNAS.APIKeyEnv == "") == (s.UNAS.APIKeyFile == "") {
			bad("source.unas.api_key_env", s.UNAS.APIKeyEnv, "give exactly one of api_key_env or api_key_file")
		}
		if in.SyncStart == "" {
			bad("sync_start", "", "is required for source.type unas-api: the first window starts there")
		}
	case "":
		bad("source.type", "", "is required: local, sftp, http or unas-api")
	default:
		bad("source.type", s.Type, "must be local, sftp, http or unas-api")
	}
	if _, err := matchGlob(s.Glob); err != nil {
		bad("source.glob", s.Glob, err.Error())
	}
	if s.DatePattern != "" {
		re, err := regexp.Compile(s.DatePattern)
		switch {
		case err != nil:
			bad("source.date_pattern", s.DatePattern, "is not a regular expression: "+err.Error())
		case re.NumSubexp() < 1:
			bad("source.date_pattern", s.DatePattern, "needs one group capturing the date, e.g. orders-(\\d{4}-\\d{2}-\\d{2})")
		}
	}
	if s.Snapshot != "incremental" && s.Snapshot != "full" {
		bad("source.snapshot", s.Snapshot, "must be incremental or full")
	}
	if a := s.AfterSuccess; a != "" && a != "delete" && !strings.HasPrefix(a, "archive:") {
		bad("source.after_success", a, `must be empty (leave the files), "archive:<folder>" or "delete"`)
	}
	if s.AfterSuccess != "" && s.Type != "local" && s.Type != "sftp" {
		bad("source.after_success", s.AfterSuccess, "is for local and sftp sources")
	}
	if m := in.MiniCRM; m != nil {
		errs = append(errs, m.validate(in.Path)...)
	}
	return errors.Join(errs...)
}

func (s *SFTP) validate(file string) []error {
	var errs []error
	bad := func(field, value, msg string) {
		errs = append(errs, &FieldError{File: file, Field: "source.sftp." + field, Value: value, Msg: msg})
	}
	if s.Host == "" {
		bad("host", "", "is required")
	}
	if s.Port < 1 || s.Port > 65535 {
		bad("port", fmt.Sprint(s.Port), "must be 1–65535")
	}
	if s.User == "" {
		bad("user", "", "is required")
	}
	if s.KnownHosts == "" {
		bad("known_hosts", "", "is required: host keys are always verified")
	}
	if s.PasswordEnv == "" && s.PasswordFile == "" && s.PrivateKeyFile == "" {
		bad("password_env", "", "one of password_env, password_file or private_key_file is required")
	}
	if s.PasswordEnv != "" && s.PasswordFile != "" {
		bad("password_file", s.PasswordFile, "give password_env or password_file, not both")
	}
	return errs
}

func (m *MiniCRM) validate(file string) []error {
	var errs []error
	bad := func(field, value, msg string) {
		errs = append(errs, &FieldError{File: file, Field: "minicrm." + field, Value: value, Msg: msg})
	}
	if u, err := url.Parse(m.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		bad("url", m.URL, "must be an https URL such as https://r3.minicrm.hu (http only for the simulator on loopback)")
	} else if u.Scheme == "http" && !loopback(u.Hostname()) {
		bad("url", m.URL, "plain http is only for the simulator on a loopback address (127.0.0.1, ::1, localhost); MiniCRM itself is https")
	}
	if !digitsRe.MatchString(m.SystemID) {
		bad("system_id", m.SystemID, "must be the account's numeric SystemId")
	}
	if (m.APIKeyEnv == "") == (m.APIKeyFile == "") {
		bad("api_key_env", m.APIKeyEnv, "give exactly one of api_key_env or api_key_file (the key itself is never written here)")
	}
	if m.R3PerMinute < 1 {
		bad("r3_per_minute", fmt.Sprint(m.R3PerMinute), "must be at least 1")
	}
	if m.FeedPerHour < 1 {
		bad("feed_per_hour", fmt.Sprint(m.FeedPerHour), "must be at least 1")
	}
	if m.FeedBatch < 1 || m.FeedBatch > 1000 {
		bad("feed_batch", fmt.Sprint(m.FeedBatch), "must be 1–1000")
	}
	return errs
}

var digitsRe = regexp.MustCompile(`^[0-9]{1,12}$`)

// ResolveSourceSecrets reads the source's secrets the file names; their
// values are kept out of every message. Commands that only read the
// staging file never need them.
func (in *Integration) ResolveSourceSecrets() error {
	if h := in.Source.HTTP; h != nil {
		var err error
		if h.BearerTokenEnv != "" || h.BearerTokenFile != "" {
			if h.BearerToken, err = secret(in.Path, "source.http.bearer_token", h.BearerTokenEnv, h.BearerTokenFile); err != nil {
				return err
			}
		}
		if h.PasswordEnv != "" || h.PasswordFile != "" {
			if h.Password, err = secret(in.Path, "source.http.password", h.PasswordEnv, h.PasswordFile); err != nil {
				return err
			}
		}
	}
	if u := in.Source.UNAS; u != nil {
		key, err := secret(in.Path, "source.unas.api_key", u.APIKeyEnv, u.APIKeyFile)
		if err != nil {
			return err
		}
		u.APIKey = key
	}
	s := in.Source.SFTP
	if s == nil {
		return nil
	}
	if s.PasswordEnv != "" {
		v, ok := os.LookupEnv(s.PasswordEnv)
		if !ok || v == "" {
			return &FieldError{File: in.Path, Field: "source.sftp.password_env", Value: s.PasswordEnv, Msg: "environment variable is not set"}
		}
		s.Password = v
	}
	if s.PasswordFile != "" {
		b, err := os.ReadFile(s.PasswordFile)
		if err != nil {
			return &FieldError{File: in.Path, Field: "source.sftp.password_file", Value: s.PasswordFile, Msg: "cannot be read: " + errors.Unwrap(err).Error()}
		}
		s.Password = strings.TrimRight(string(b), "\r\n")
	}
	if s.PrivateKeyFile != "" {
		b, err := os.ReadFile(s.PrivateKeyFile)
		if err != nil {
			return &FieldError{File: in.Path, Field: "source.sftp.private_key_file", Value: s.PrivateKeyFile, Msg: "cannot be read: " + errors.Unwrap(err).Error()}
		}
		s.PrivateKey = b
	}
	if s.PassphraseEnv != "" {
		v, ok := os.LookupEnv(s.PassphraseEnv)
		if !ok {
			return &FieldError{File: in.Path, Field: "source.sftp.passphrase_env", Value: s.PassphraseEnv, Msg: "environment variable is not set"}
		}
		s.Passphrase = []byte(v)
	}
	return nil
}

// ResolveMiniCRMKey reads the MiniCRM API key the file names. It is called
// only by commands that talk to MiniCRM, so a plan needs no key.
func (in *Integration) ResolveMiniCRMKey() error {
	m, file := in.MiniCRM, in.Path
	if m == nil {
		return &FieldError{File: file, Field: "minicrm", Msg: "is required to send changes: url, system_id and api_key_env or api_key_file"}
	}
	if m.APIKeyEnv != "" {
		v, ok := os.LookupEnv(m.APIKeyEnv)
		if !ok || v == "" {
			return &FieldError{File: file, Field: "minicrm.api_key_env", Value: m.APIKeyEnv, Msg: "environment variable is not set"}
		}
		m.APIKey = v
		return nil
	}
	b, err := os.ReadFile(m.APIKeyFile)
	if err != nil {
		return &FieldError{File: file, Field: "minicrm.api_key_file", Value: m.APIKeyFile, Msg: "cannot be read: " + errors.Unwrap(err).Error()}
	}
	m.APIKey = strings.TrimSpace(string(b))
	return nil
}

// secret reads a secret from the environment variable env or the file.
func secret(file, field, env, path string) (string, error) {
	if env != "" {
		v, ok := os.LookupEnv(env)
		if !ok || v == "" {
			return "", &FieldError{File: file, Field: field + "_env", Value: env, Msg: "environment variable is not set"}
		}
		return v, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", &FieldError{File: file, Field: field + "_file", Value: path, Msg: "cannot be read: " + errors.Unwrap(err).Error()}
	}
	return strings.TrimSpace(string(b)), nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
