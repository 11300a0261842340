package sftp_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/pem"
	"errors"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"minisync/sftpserver"
	"minisync/sources/sftp"
)

func TestUnknownHost(t *testing.T) {
	f := startServer(t, sftpserver.Options{})
	other, _ := newEd25519Signer(t)
	// known_hosts knows another port on the same address, not this server.
	writeFile(t, f.knownHosts, knownhosts.Line([]string{"127.0.0.1:1"}, other.PublicKey())+"\n")
	_, err := sftp.New(t.Context(), f.config(), nil)
	if !errors.Is(err, sftp.ErrUnknownHost) {
		t.Fatalf("err = %v, want ErrUnknownHost", err)
	}
	msg := err.Error()
	for _, want := range []string{
		"127.0.0.1:" + strconv.Itoa(f.srv.Port()),
		"ssh-ed25519",
		ssh.FingerprintSHA256(f.srv.HostKey()),
		"ssh-keyscan -p " + strconv.Itoa(f.srv.Port()) + " 127.0.0.1 >> " + f.knownHosts,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
}

func TestHostKeyChanged(t *testing.T) {
	f := startServer(t, sftpserver.Options{})
	other, _ := newEd25519Signer(t)
	writeFile(t, f.knownHosts, knownhosts.Line([]string{f.srv.Addr()}, other.PublicKey())+"\n")
	_, err := sftp.New(t.Context(), f.config(), nil)
	if !errors.Is(err, sftp.ErrHostKeyMismatch) {
		t.Fatalf("err = %v, want ErrHostKeyMismatch", err)
	}
	if errors.Is(err, sftp.ErrUnknownHost) || errors.Is(err, sftp.ErrAuth) {
		t.Fatalf("err %v wraps another sentinel", err)
	}
	for _, want := range []string{"changed", "man-in-the-middle", ssh.FingerprintSHA256(f.srv.HostKey()), ssh.FingerprintSHA256(other.PublicKey())} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}
}

// TestNegotiatesKnownKey runs servers offering a known key and a preferred
// unknown ECDSA key: the client must ask for the known key's algorithm.
func TestNegotiatesKnownKey(t *testing.T) {
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecSigner, err := ssh.NewSignerFromKey(ecKey)
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsaSigner, err := ssh.NewSignerFromKey(rsaKey)
	if err != nil {
		t.Fatal(err)
	}
	edSigner, _ := newEd25519Signer(t)
	for name, known := range map[string]ssh.Signer{"ed25519": edSigner, "rsa": rsaSigner} {
		t.Run(name, func(t *testing.T) {
			// KnownHostsLine holds only HostKey, not ExtraHostKeys.
			f := startServer(t, sftpserver.Options{HostKey: known, ExtraHostKeys: []ssh.Signer{ecSigner}})
			connect(t, f.config())
		})
	}
}

func TestPrivateKeyAuth(t *testing.T) {
	signer, priv := newEd25519Signer(t)
	f := startServer(t, sftpserver.Options{AuthorizedKey: signer.PublicKey()})
	f.write(t, "a.xml", []byte("a"))

	plain, err := ssh.MarshalPrivateKey(priv, "test")
	if err != nil {
		t.Fatal(err)
	}
	encrypted, err := ssh.MarshalPrivateKeyWithPassphrase(priv, "test", []byte("jelmondat"))
	if err != nil {
		t.Fatal(err)
	}
	t.Run("plain", func(t *testing.T) {
		cfg := f.config()
		cfg.Password, cfg.PrivateKey = "", pem.EncodeToMemory(plain)
		src := connect(t, cfg)
		if files, err := src.List(t.Context()); err != nil || len(files) != 1 {
			t.Fatalf("files = %v, %v", files, err)
		}
	})
	t.Run("passphrase", func(t *testing.T) {
		cfg := f.config()
		cfg.Password, cfg.PrivateKey, cfg.Passphrase = "", pem.EncodeToMemory(encrypted), []byte("jelmondat")
		connect(t, cfg)
	})
	t.Run("missing passphrase", func(t *testing.T) {
		cfg := f.config()
		cfg.Password, cfg.PrivateKey = "", pem.EncodeToMemory(encrypted)
		_, err := sftp.New(t.Context(), cfg, nil)
		if err == nil || !strings.Contains(err.Error(), "Passphrase") {
			t.Fatalf("err = %v, want passphrase error", err)
		}
	})
	t.Run("wrong key", func(t *testing.T) {
		_, otherPriv := newEd25519Signer(t)
		block, err := ssh.MarshalPrivateKey(otherPriv, "")
		if err != nil {
			t.Fatal(err)
		}
		cfg := f.config()
		cfg.Password, cfg.PrivateKey = "", pem.EncodeToMemory(block)
		if _, err := sftp.New(t.Context(), cfg, nil); !errors.Is(err, sftp.ErrAuth) {
			t.Fatalf("err = %v, want ErrAuth", err)
		}
	})
}

func TestConfigErrors(t *testing.T) {
	f := startServer(t, sftpserver.Options{})
	missing := filepath.Join(t.TempDir(), "no_known_hosts")
	tests := []struct {
		name   string
		change func(*sftp.Config)
		want   []string
		is     error
	}{
		{"missing known_hosts", func(c *sftp.Config) { c.KnownHostsFile = missing }, []string{"KnownHostsFile", missing}, fs.ErrNotExist},
		{"empty known_hosts path", func(c *sftp.Config) { c.KnownHostsFile = "" }, []string{"KnownHostsFile"}, nil},
		{"known_hosts is a dir", func(c *sftp.Config) { c.KnownHostsFile = t.TempDir() }, []string{"KnownHostsFile", "regular"}, nil},
		{"no host", func(c *sftp.Config) { c.Host = "" }, []string{"Host"}, nil},
		{"bad port", func(c *sftp.Config) { c.Port = 70000 }, []string{"Port", "70000"}, nil},
		{"no user", func(c *sftp.Config) { c.User = "" }, []string{"User"}, nil},
		{"no secret", func(c *sftp.Config) { c.Password = "" }, []string{"Password", "PrivateKey"}, nil},
		{"bad glob", func(c *sftp.Config) { c.Glob = "[" }, []string{"Glob", `"["`}, nil},
		{"bad key", func(c *sftp.Config) { c.PrivateKey = []byte("not a key") }, []string{"PrivateKey"}, nil},
		{"missing dir", func(c *sftp.Config) { c.Dir = "/nope" }, []string{"Dir", "/nope"}, fs.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := f.config()
			tt.change(&cfg)
			_, err := sftp.New(t.Context(), cfg, nil)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
			if strings.Contains(err.Error(), testPassword) {
				t.Errorf("error %q leaks the password", err)
			}
		})
	}
}
