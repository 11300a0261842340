package sftp_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"minisync/pipeline"
	"minisync/sftpserver"
)

// TestPathEscapeConfined checks that "../" and symlinks never reach files
// beside the served root.
func TestPathEscapeConfined(t *testing.T) {
	f := startServer(t, sftpserver.Options{})
	f.write(t, "inside.xml", []byte("inside"))
	secret := filepath.Join(filepath.Dir(f.root), "secret.xml")
	writeFile(t, secret, "TOP SECRET")
	if err := os.Symlink("../secret.xml", filepath.Join(f.root, "link.xml")); err != nil {
		t.Fatal(err)
	}

	cfg := f.config()
	cfg.Dir = "../"
	src := connect(t, cfg)
	files, err := src.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || files[0].Name != "inside.xml" || files[0].Path != "/inside.xml" {
		t.Fatalf("listing ../ = %+v, want only /inside.xml", files)
	}

	for _, p := range []string{"../secret.xml", "/../secret.xml", "/../../secret.xml", "/link.xml"} {
		rc, err := src.Open(t.Context(), pipeline.RemoteFile{Path: p, URI: p})
		if err == nil {
			b, rerr := io.ReadAll(rc)
			rc.Close()
			if strings.Contains(string(b), "SECRET") {
				t.Fatalf("opening %q read the file outside the root", p)
			}
			if rerr == nil {
				t.Fatalf("opening %q succeeded", p)
			}
			continue
		}
		if strings.HasPrefix(p, "/..") || strings.HasPrefix(p, "..") {
			// ".." is clamped at the root, where no secret.xml exists.
			if !errors.Is(err, pipeline.ErrNotFound) {
				t.Errorf("opening %q: %v, want ErrNotFound", p, err)
			}
		}
	}
}
