package sftp

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"minisync/sources/sourceutil"
)

// Config configures an SFTP source. Secrets arrive resolved by the config
// layer; String and LogValue redact them.
type Config struct {
	// Host is the server's host name or IP address.
	Host string
	// Port is the server's TCP port; 0 means 22.
	Port int
	// User is the login name.
	User string
	// Password enables password (and keyboard-interactive) authentication.
	Password string
	// PrivateKey is a PEM private key enabling public-key authentication.
	PrivateKey []byte
	// Passphrase decrypts an encrypted PrivateKey.
	Passphrase []byte
	// KnownHostsFile is the OpenSSH known_hosts file the host key is checked
	// against; it is required, host keys are always verified.
	KnownHostsFile string
	// Dir is the remote folder holding the export files; empty means the
	// login folder.
	Dir string
	// Glob is a path.Match pattern on file names; empty means "*". It may
	// have up to three directory parts below Dir, each matched with
	// path.Match against one folder level ("2026-*/orders-*.xml",
	// "*/*.xml"); a directory part matches hidden folders only when it
	// starts with a dot itself. With directory parts, a file's Name is its
	// folder path below Dir with "/" turned into "_", then "_" and the base
	// name ("2026-11-20_orders-1.xml"), so equal base names in different
	// folders do not collide in the archive.
	Glob string
	// Timeout bounds connecting and the SFTP handshake; 0 means 30s.
	Timeout time.Duration
	// IdleTimeout bounds how long one remote operation (a listing, an open)
	// or a download may wait for the server without receiving anything; a
	// stalled download then reconnects and resumes like a dropped one. 0
	// means 60s.
	IdleTimeout time.Duration
	// Retries is how often a download reconnects and resumes after the
	// connection dropped or stalled; 0 means 3, negative disables resuming.
	Retries int
	// RetryBackoff is the wait before the first reconnect, doubled for each
	// further one up to 30s; 0 means 1s.
	RetryBackoff time.Duration
	// AfterSuccess says what Finish does with the fetched files on the
	// server once they are staged: "" leaves them (the default),
	// "archive:<dir>" renames them into the remote folder <dir> (relative
	// to Dir unless absolute; created when missing), "delete" removes them.
	AfterSuccess string
}

// withDefaults returns c with empty fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.Port == 0 {
		c.Port = 22
	}
	if c.Dir == "" {
		c.Dir = "."
	}
	if c.Glob == "" {
		c.Glob = "*"
	}
	if c.Timeout == 0 {
		c.Timeout = 30 * time.Second
	}
	if c.IdleTimeout == 0 {
		c.IdleTimeout = 60 * time.Second
	}
	if c.Retries == 0 {
		c.Retries = 3
	}
	if c.RetryBackoff == 0 {
		c.RetryBackoff = time.Second
	}
	return c
}

// Validate reports the first invalid field, naming it and, for non-secret
// fields, its value.
func (c Config) Validate() error {
	c = c.withDefaults()
	const op = "validating sftp source config"
	switch {
	case c.Host == "":
		return fmt.Errorf("%s: Host is empty", op)
	case c.Port < 1 || c.Port > 65535:
		return fmt.Errorf("%s: Port %d is out of range 1-65535", op, c.Port)
	case c.User == "":
		return fmt.Errorf("%s: User is empty", op)
	case c.Password == "" && len(c.PrivateKey) == 0:
		return fmt.Errorf("%s: neither Password nor PrivateKey is set", op)
	case c.Timeout < 0:
		return fmt.Errorf("%s: Timeout %s is negative", op, c.Timeout)
	case c.IdleTimeout < 0:
		return fmt.Errorf("%s: IdleTimeout %s is negative", op, c.IdleTimeout)
	case c.RetryBackoff < 0:
		return fmt.Errorf("%s: RetryBackoff %s is negative", op, c.RetryBackoff)
	case c.KnownHostsFile == "":
		return fmt.Errorf("%s: KnownHostsFile is empty; host keys are always verified", op)
	}
	fi, err := os.Stat(c.KnownHostsFile)
	if err != nil {
		return fmt.Errorf("%s: KnownHostsFile %q: %w", op, c.KnownHostsFile, err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s: KnownHostsFile %q is not a regular file", op, c.KnownHostsFile)
	}
	if _, err := sourceutil.SplitGlob(c.Glob); err != nil {
		return fmt.Errorf("%s: Glob %q: %w", op, c.Glob, err)
	}
	if _, _, err := sourceutil.ParseAfterSuccess(c.AfterSuccess); err != nil {
		return fmt.Errorf("%s: AfterSuccess %q: %w", op, c.AfterSuccess, err)
	}
	if len(c.Passphrase) > 0 && len(c.PrivateKey) == 0 {
		return errors.New(op + ": Passphrase is set without PrivateKey")
	}
	return nil
}

// String describes the config with secrets redacted.
func (c Config) String() string {
	return fmt.Sprintf("sftp.Config{Host:%q Port:%d User:%q Password:%s PrivateKey:%s KnownHostsFile:%q Dir:%q Glob:%q Timeout:%s IdleTimeout:%s Retries:%d AfterSuccess:%q}",
		c.Host, c.Port, c.User, redacted(c.Password != ""), redacted(len(c.PrivateKey) > 0),
		c.KnownHostsFile, c.Dir, c.Glob, c.Timeout, c.IdleTimeout, c.Retries, c.AfterSuccess)
}

// LogValue logs the config with secrets redacted.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("host", c.Host), slog.Int("port", c.Port), slog.String("user", c.User),
		slog.String("password", redacted(c.Password != "")),
		slog.String("private_key", redacted(len(c.PrivateKey) > 0)),
		slog.String("known_hosts_file", c.KnownHostsFile),
		slog.String("dir", c.Dir), slog.String("glob", c.Glob),
		slog.String("after_success", c.AfterSuccess),
	)
}

func redacted(set bool) string {
	if set {
		return "[redacted]"
	}
	return "[unset]"
}
