package sftp_test

import (
	"bytes"
	"crypto/rand"
	"encoding/pem"
	"io"
	"net"
	"os"
	"path"
	"strconv"
	"strings"
	"testing"
	"time"

	pkgsftp "github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"minisync/pipeline"
	"minisync/sources/sftp"
	"minisync/sources/sourcetest"
)

// opensshEnv is a real sshd started by scripts/ci/sshd.sh.
type opensshEnv struct {
	host       string
	port       int
	user       string
	key        []byte
	knownHosts string
	dir        string
}

// openssh returns the sshd from the MINISYNC_TEST_SSHD_* variables. Without
// them it skips, except in CI, which must provide the server.
func openssh(t *testing.T) *opensshEnv {
	t.Helper()
	addr := os.Getenv("MINISYNC_TEST_SSHD_ADDR")
	if addr == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("CI must provide sshd: run scripts/ci/sshd.sh")
		}
		t.Skip("no OpenSSH server: eval \"$(scripts/ci/sshd.sh start)\" to run this test")
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("MINISYNC_TEST_SSHD_ADDR %q: %v", addr, err)
	}
	key, err := os.ReadFile(os.Getenv("MINISYNC_TEST_SSHD_KEY"))
	if err != nil {
		t.Fatalf("MINISYNC_TEST_SSHD_KEY: %v", err)
	}
	return &opensshEnv{host: host, port: atoi(t, port), user: os.Getenv("MINISYNC_TEST_SSHD_USER"), key: key,
		knownHosts: os.Getenv("MINISYNC_TEST_SSHD_KNOWN_HOSTS"), dir: os.Getenv("MINISYNC_TEST_SSHD_DIR")}
}

func (e *opensshEnv) config(dir string) sftp.Config {
	return sftp.Config{Host: e.host, Port: e.port, User: e.user, PrivateKey: e.key,
		KnownHostsFile: e.knownHosts, Dir: dir, Timeout: 10 * time.Second}
}

// client opens a plain SFTP client to write fixtures.
func (e *opensshEnv) client(t *testing.T) *pkgsftp.Client {
	t.Helper()
	signer, err := ssh.ParsePrivateKey(e.key)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := knownhosts.New(e.knownHosts)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := ssh.Dial("tcp", net.JoinHostPort(e.host, strconv.Itoa(e.port)), &ssh.ClientConfig{
		User: e.user, Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)}, HostKeyCallback: cb, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	c, err := pkgsftp.NewClient(sc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); sc.Close() })
	return c
}

// tempDir makes a fresh remote folder below the export folder.
func (e *opensshEnv) tempDir(t *testing.T, c *pkgsftp.Client) string {
	t.Helper()
	dir := path.Join(e.dir, strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())+"-"+randHex(t))
	if err := c.MkdirAll(dir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.RemoveAll(dir) })
	return dir
}

func (e *opensshEnv) hostKey(t *testing.T) ssh.PublicKey {
	t.Helper()
	b, err := os.ReadFile(e.knownHosts)
	if err != nil {
		t.Fatal(err)
	}
	_, _, key, _, _, err := ssh.ParseKnownHosts(b)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func put(t *testing.T, c *pkgsftp.Client, p string, data []byte) {
	t.Helper()
	if err := c.MkdirAll(path.Dir(p)); err != nil {
		t.Fatal(err)
	}
	f, err := c.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func randHex(t *testing.T) string {
	b := make([]byte, 4)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	const hex = "0123456789abcdef"
	var s []byte
	for _, c := range b {
		s = append(s, hex[c>>4], hex[c&15])
	}
	return string(s)
}

func TestOpenSSHConformance(t *testing.T) {
	e := openssh(t)
	sourcetest.Run(t, sourcetest.Harness{
		New: func(t *testing.T, files map[string][]byte) (pipeline.Source, sourcetest.Fixture) {
			c := e.client(t)
			dir := e.tempDir(t, c)
			fx := sourcetest.Fixture{
				Write: func(t *testing.T, name string, data []byte) { put(t, c, path.Join(dir, name), data) },
				Remove: func(t *testing.T, name string) {
					t.Helper()
					if err := c.Remove(path.Join(dir, name)); err != nil {
						t.Fatal(err)
					}
				},
			}
			for name, data := range files {
				fx.Write(t, name, data)
			}
			src, err := sftp.New(t.Context(), e.config(dir), nil)
			if err != nil {
				t.Fatal(err)
			}
			return src, fx
		},
		BadCredentials: func(t *testing.T) error {
			_, other := newEd25519Signer(t)
			block, err := ssh.MarshalPrivateKey(other, "")
			if err != nil {
				t.Fatal(err)
			}
			cfg := e.config(e.dir)
			cfg.PrivateKey = pem.EncodeToMemory(block)
			return newAndList(t, cfg)
		},
		AuthErr: sftp.ErrAuth,
		WrongIdentity: func(t *testing.T) error {
			other, _ := newEd25519Signer(t)
			kh := path.Join(t.TempDir(), "known_hosts")
			writeFile(t, kh, knownhosts.Line([]string{net.JoinHostPort(e.host, strconv.Itoa(e.port))}, other.PublicKey())+"\n")
			cfg := e.config(e.dir)
			cfg.KnownHostsFile = kh
			return newAndList(t, cfg)
		},
		IdentityErr: sftp.ErrHostKeyMismatch,
	})
}

func TestOpenSSHResume(t *testing.T) {
	e := openssh(t)
	c := e.client(t)
	dir := e.tempDir(t, c)
	data := make([]byte, 5<<20+7)
	if _, err := rand.Read(data); err != nil {
		t.Fatal(err)
	}
	put(t, c, path.Join(dir, "big.xml"), data)
	p := startCutProxy(t, net.JoinHostPort(e.host, strconv.Itoa(e.port)), 2<<20, false, nil)
	kh := path.Join(t.TempDir(), "known_hosts")
	writeFile(t, kh, knownhosts.Line([]string{p.ln.Addr().String()}, e.hostKey(t))+"\n")
	cfg := e.config(dir)
	cfg.Port, cfg.KnownHostsFile, cfg.RetryBackoff = p.port(t), kh, time.Millisecond
	src := connect(t, cfg)
	files, err := src.List(t.Context())
	if err != nil || len(files) != 1 {
		t.Fatalf("files = %v, %v", files, err)
	}
	rc, err := src.Open(t.Context(), files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("resumed download: %d bytes of %d, %v", len(got), len(data), err)
	}
	if n := p.connections(); n != 2 {
		t.Fatalf("%d connections, want 2 (one reconnect)", n)
	}
}

func TestOpenSSHGlobAndArchive(t *testing.T) {
	e := openssh(t)
	c := e.client(t)
	dir := e.tempDir(t, c)
	put(t, c, path.Join(dir, "2026-11-20/orders.xml"), []byte("20"))
	put(t, c, path.Join(dir, "2026-11-21/orders.xml"), []byte("21"))
	put(t, c, path.Join(dir, "done/2026-11-20_orders.xml"), []byte("archived before"))
	cfg := e.config(dir)
	cfg.Glob, cfg.AfterSuccess = "2026-*/*.xml", "archive:done"
	src := connect(t, cfg)
	files, err := src.List(t.Context())
	if err != nil || len(files) != 2 || files[0].Name != "2026-11-20_orders.xml" || files[1].Path != path.Join(dir, "2026-11-21/orders.xml") {
		t.Fatalf("files = %+v, %v", files, err)
	}
	if err := src.Finish(t.Context(), files); err != nil {
		t.Fatal(err)
	}
	archived, err := c.ReadDir(path.Join(dir, "done"))
	if err != nil || len(archived) != 3 {
		t.Fatalf("archive = %v, %v", archived, err)
	}
	if left, err := src.List(t.Context()); err != nil || len(left) != 0 {
		t.Fatalf("after archiving, List = %v, %v", left, err)
	}
}
