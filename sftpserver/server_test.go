package sftpserver_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	pkgsftp "github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"minisync/sftpserver"
)

const (
	user     = "exports"
	password = "jelszó-parolă"
)

// start serves a fresh root inside a temporary base directory.
func start(t *testing.T) (srv *sftpserver.Server, base, root string) {
	t.Helper()
	base = t.TempDir()
	root = filepath.Join(base, "root")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	srv, err := sftpserver.Start(sftpserver.Options{Root: root, User: user, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, base, root
}

// dial connects with the server's known_hosts line, as a client would.
func dial(t *testing.T, srv *sftpserver.Server, pass string) (*ssh.Client, error) {
	t.Helper()
	kh := filepath.Join(t.TempDir(), "known_hosts")
	if err := srv.WriteKnownHosts(kh); err != nil {
		t.Fatal(err)
	}
	cb, err := knownhosts.New(kh)
	if err != nil {
		t.Fatal(err)
	}
	return ssh.Dial("tcp", srv.Addr(), &ssh.ClientConfig{
		User: user, Auth: []ssh.AuthMethod{ssh.Password(pass)}, HostKeyCallback: cb, Timeout: 5 * time.Second,
	})
}

func sftpClient(t *testing.T, srv *sftpserver.Server) (*ssh.Client, *pkgsftp.Client) {
	t.Helper()
	sc, err := dial(t, srv, password)
	if err != nil {
		t.Fatal(err)
	}
	c, err := pkgsftp.NewClient(sc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); sc.Close() })
	return sc, c
}

func TestKnownHostsLine(t *testing.T) {
	srv, _, _ := start(t)
	want := fmt.Sprintf("[127.0.0.1]:%d %s ", srv.Port(), srv.HostKey().Type())
	if line := srv.KnownHostsLine(); !strings.HasPrefix(line, want) {
		t.Fatalf("line %q, want prefix %q", line, want)
	}
}

func TestCloseEndsConnections(t *testing.T) {
	before := runtime.NumGoroutine()
	srv, _, _ := start(t)
	sc, c := sftpClient(t, srv)
	if _, err := c.ReadDir("/"); err != nil {
		t.Fatal(err)
	}
	closed := make(chan error, 1)
	go func() { closed <- srv.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return")
	}
	waited := make(chan struct{})
	go func() { sc.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-time.After(5 * time.Second):
		t.Fatal("client connection still open after Close")
	}
	if _, err := c.ReadDir("/"); err == nil {
		t.Fatal("ReadDir after Close succeeded")
	}
	if _, err := dial(t, srv, password); err == nil {
		t.Fatal("dial after Close succeeded")
	}
	c.Close()
	sc.Close()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("%d goroutines left, %d before", n, before)
	}
}

func TestAuth(t *testing.T) {
	srv, _, _ := start(t)
	if _, err := dial(t, srv, "wrong"); err == nil {
		t.Fatal("wrong password accepted")
	}
}

func TestStartErrors(t *testing.T) {
	dir := t.TempDir()
	for name, opts := range map[string]sftpserver.Options{
		"no root":    {Root: filepath.Join(dir, "missing"), User: user, Password: password},
		"no user":    {Root: dir, Password: password},
		"no secrets": {Root: dir, User: user},
	} {
		if srv, err := sftpserver.Start(opts); err == nil {
			srv.Close()
			t.Errorf("%s: started", name)
		}
	}
}

func TestOnlySFTPSubsystem(t *testing.T) {
	srv, _, _ := start(t)
	sc, err := dial(t, srv, password)
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()

	_, _, err = sc.OpenChannel("direct-tcpip", nil)
	var oce *ssh.OpenChannelError
	if !errors.As(err, &oce) || oce.Reason != ssh.UnknownChannelType {
		t.Fatalf("direct-tcpip: %v", err)
	}
	for _, run := range []func(*ssh.Session) error{
		func(s *ssh.Session) error { return s.Run("cat /etc/passwd") },
		func(s *ssh.Session) error { return s.Shell() },
		func(s *ssh.Session) error { return s.RequestSubsystem("netconf") },
	} {
		s, err := sc.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		if err := run(s); err == nil {
			t.Error("request accepted")
		}
		s.Close()
	}
	s, err := sc.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.RequestSubsystem("sftp"); err != nil {
		t.Fatalf("sftp subsystem: %v", err)
	}
}

func TestWriteCommandsConfined(t *testing.T) {
	srv, base, root := start(t)
	_, c := sftpClient(t, srv)

	if err := c.Mkdir("/archive"); err != nil {
		t.Fatal(err)
	}
	f, err := c.Create("/in.xml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("<árvíztűrő/>")); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Rename("/in.xml", "/archive/in.xml"); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile(filepath.Join(root, "archive", "in.xml")); err != nil || string(b) != "<árvíztűrő/>" {
		t.Fatalf("archived file: %q, %v", b, err)
	}
	// Plain rename refuses to overwrite; posix-rename replaces.
	writeFile(t, filepath.Join(root, "other.xml"), "other")
	if err := c.Rename("/other.xml", "/archive/in.xml"); err == nil {
		t.Error("rename over an existing file succeeded")
	}
	if err := c.PosixRename("/other.xml", "/archive/in.xml"); err != nil {
		t.Fatal(err)
	}
	if err := c.Remove("/archive"); err == nil {
		t.Error("Remove of a non-empty directory succeeded")
	}
	if err := c.Remove("/archive/in.xml"); err != nil {
		t.Fatal(err)
	}
	if err := c.RemoveDirectory("/archive"); err != nil {
		t.Fatal(err)
	}

	// ".." is clamped at the root: writes land inside it.
	f, err = c.Create("../../escaped.txt")
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if _, err := os.Stat(filepath.Join(base, "escaped.txt")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("file written outside root: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "escaped.txt")); err != nil {
		t.Fatalf("clamped file missing: %v", err)
	}
	if err := c.Symlink("../secret", "/link"); err == nil {
		t.Error("symlink creation succeeded")
	}
}

func TestSymlinkEscapeRefused(t *testing.T) {
	srv, base, root := start(t)
	writeFile(t, filepath.Join(base, "secret"), "TOP SECRET")
	if err := os.Mkdir(filepath.Join(base, "outdir"), 0o755); err != nil {
		t.Fatal(err)
	}
	for link, target := range map[string]string{"link": "../secret", "dirlink": "../outdir", "abslink": filepath.Join(base, "secret")} {
		if err := os.Symlink(target, filepath.Join(root, link)); err != nil {
			t.Fatal(err)
		}
	}
	_, c := sftpClient(t, srv)
	for _, p := range []string{"/link", "/abslink"} {
		if f, err := c.Open(p); err == nil {
			b, _ := io.ReadAll(f)
			f.Close()
			t.Errorf("opening %s read %q", p, b)
		}
		if _, err := c.Stat(p); err == nil {
			t.Errorf("stat %s followed the link out of the root", p)
		}
	}
	if _, err := c.ReadDir("/dirlink"); err == nil {
		t.Error("listing a symlinked outside directory succeeded")
	}
	if _, err := c.Create("/dirlink/new"); err == nil {
		t.Error("writing through a symlinked outside directory succeeded")
	}
	if err := c.Rename("/link", "/dirlink/moved"); err == nil {
		t.Error("renaming into a symlinked outside directory succeeded")
	}
	if fi, err := c.Lstat("/link"); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("lstat /link = %v, %v", fi, err)
	}
	entries, err := c.ReadDir("/..")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() == "secret" || e.Name() == "outdir" {
			t.Errorf("listing /.. shows %s outside the root", e.Name())
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
