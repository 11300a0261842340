package sftp_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"

	"minisync/sftpserver"
	"minisync/sources/sftp"
)

const (
	testUser     = "exports"
	testPassword = "s3cret-Pässwort"
)

// fixture is a running server over a temporary root plus a known_hosts file
// that trusts it.
type fixture struct {
	srv        *sftpserver.Server
	root       string // served directory
	knownHosts string
}

func startServer(t *testing.T, opts sftpserver.Options) *fixture {
	t.Helper()
	base := t.TempDir()
	root := filepath.Join(base, "root")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	opts.Root = root
	if opts.User == "" {
		opts.User = testUser
	}
	if opts.Password == "" && opts.AuthorizedKey == nil {
		opts.Password = testPassword
	}
	srv, err := sftpserver.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	kh := filepath.Join(base, "known_hosts")
	if err := srv.WriteKnownHosts(kh); err != nil {
		t.Fatal(err)
	}
	return &fixture{srv: srv, root: root, knownHosts: kh}
}

// config returns a password config for the fixture's server.
func (f *fixture) config() sftp.Config {
	return sftp.Config{
		Host:           "127.0.0.1",
		Port:           f.srv.Port(),
		User:           testUser,
		Password:       testPassword,
		KnownHostsFile: f.knownHosts,
		Timeout:        5 * time.Second,
	}
}

func (f *fixture) write(t *testing.T, name string, data []byte) {
	t.Helper()
	p := filepath.Join(f.root, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func connect(t *testing.T, cfg sftp.Config) *sftp.Source {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	src, err := sftp.New(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

func newEd25519Signer(t *testing.T) (ssh.Signer, ed25519.PrivateKey) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	return s, priv
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
