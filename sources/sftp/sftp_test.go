package sftp_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"minisync/pipeline"
	"minisync/sftpserver"
	"minisync/sources/sftp"
)

const utf8Name = "rendelések-ăîșț.xml"

var utf8Content = []byte("<?xml version=\"1.0\"?>\n<rendelés vevő=\"Árvíztűrő Tükörfúrógép Kft.\" oraș=\"Brașov, Timișoara, Iași\">ăîșțâ ÁÉÍÓÖŐÚÜŰ</rendelés>\n")

func TestListAndFetch(t *testing.T) {
	f := startServer(t, sftpserver.Options{})
	big := make([]byte, 3<<20+123) // several concurrent read chunks
	if _, err := rand.Read(big); err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{
		"orders-2.xml": []byte("<orders n=\"2\"/>"),
		"orders-1.xml": big,
		utf8Name:       utf8Content,
		"empty.xml":    {},
	}
	for name, data := range want {
		f.write(t, "out/"+name, data)
	}
	f.write(t, "out/notes.txt", []byte("not matched"))
	f.write(t, "out/nested.xml/inner.xml", []byte("directories are skipped"))
	f.write(t, "elsewhere.xml", []byte("outside Dir"))

	for _, dir := range []string{"/out", "out", "/out/"} {
		t.Run(dir, func(t *testing.T) {
			cfg := f.config()
			cfg.Dir, cfg.Glob = dir, "*.xml"
			src := connect(t, cfg)
			files, err := src.List(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, rf := range files {
				names = append(names, rf.Name)
			}
			wantNames := []string{"empty.xml", "orders-1.xml", "orders-2.xml", utf8Name}
			if fmt.Sprint(names) != fmt.Sprint(wantNames) {
				t.Fatalf("names = %q, want %q", names, wantNames)
			}
			for _, rf := range files {
				checkURI(t, rf, f.srv.Port())
				if rf.Size != int64(len(want[rf.Name])) || rf.ModTime.IsZero() {
					t.Errorf("%s: size %d modtime %v", rf.Name, rf.Size, rf.ModTime)
				}
				rc, err := src.Open(t.Context(), rf)
				if err != nil {
					t.Fatal(err)
				}
				got, err := io.ReadAll(rc)
				rc.Close()
				if err != nil {
					t.Fatalf("%s: %v", rf.Name, err)
				}
				if !bytes.Equal(got, want[rf.Name]) {
					t.Errorf("%s: content differs (%d bytes, want %d)", rf.Name, len(got), len(want[rf.Name]))
				}
			}
		})
	}
}

func checkURI(t *testing.T, rf pipeline.RemoteFile, port int) {
	t.Helper()
	if strings.Contains(rf.URI, testPassword) {
		t.Fatalf("URI %q leaks the password", rf.URI)
	}
	u, err := url.Parse(rf.URI)
	if err != nil {
		t.Fatalf("URI %q: %v", rf.URI, err)
	}
	_, hasPass := u.User.Password()
	if u.Scheme != "sftp" || u.User.Username() != testUser || hasPass ||
		u.Host != fmt.Sprintf("127.0.0.1:%d", port) || u.Path != "/out/"+rf.Name || rf.Path != "/out/"+rf.Name {
		t.Errorf("URI %q / Path %q", rf.URI, rf.Path)
	}
}

func TestDefaultGlobAndDir(t *testing.T) {
	f := startServer(t, sftpserver.Options{})
	f.write(t, "a.csv", []byte("a"))
	f.write(t, "b", []byte("b"))
	src := connect(t, f.config())
	files, err := src.List(t.Context())
	if err != nil || len(files) != 2 || files[0].Path != "/a.csv" {
		t.Fatalf("files = %+v, %v", files, err)
	}
}

func TestOpenVanished(t *testing.T) {
	f := startServer(t, sftpserver.Options{})
	f.write(t, "gone.xml", []byte("x"))
	src := connect(t, f.config())
	files, err := src.List(t.Context())
	if err != nil || len(files) != 1 {
		t.Fatalf("files = %v, %v", files, err)
	}
	if err := os.Remove(filepath.Join(f.root, "gone.xml")); err != nil {
		t.Fatal(err)
	}
	_, err = src.Open(t.Context(), files[0])
	if !errors.Is(err, pipeline.ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
}

func TestWrongPassword(t *testing.T) {
	f := startServer(t, sftpserver.Options{})
	cfg := f.config()
	cfg.Password = "wrong-Jelszó-parolă"
	_, err := sftp.New(t.Context(), cfg, nil)
	if !errors.Is(err, sftp.ErrAuth) {
		t.Fatalf("err = %v, want ErrAuth", err)
	}
	if errors.Is(err, sftp.ErrUnknownHost) || errors.Is(err, sftp.ErrHostKeyMismatch) {
		t.Fatalf("err %v also wraps a host key sentinel", err)
	}
	if strings.Contains(err.Error(), cfg.Password) {
		t.Fatalf("error %q leaks the password", err)
	}
}

func TestConfigRedacted(t *testing.T) {
	cfg := sftp.Config{Host: "h", User: "u", Password: testPassword, PrivateKey: []byte("PEM"), Passphrase: []byte("pp")}
	for _, s := range []string{cfg.String(), fmt.Sprint(cfg), cfg.LogValue().String()} {
		if strings.Contains(s, testPassword) || strings.Contains(s, "PEM") || strings.Contains(s, "pp]") {
			t.Errorf("%q leaks a secret", s)
		}
	}
}
