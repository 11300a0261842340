package local_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"minisync/pipeline"
	"minisync/sources/local"
)

func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestListGlobSorted(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "orders-2.xml", "two")
	writeFile(t, dir, "orders-1.xml", "one")
	writeFile(t, dir, "rendelések-ăîșț.xml", "<x>árvíztűrő ăîșț</x>")
	writeFile(t, dir, "notes.txt", "skip")
	if err := os.Mkdir(filepath.Join(dir, "sub.xml"), 0o755); err != nil {
		t.Fatal(err)
	}

	src, err := local.New(local.Config{Dir: dir, Glob: "*.xml"})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	files, err := src.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, f.Name)
	}
	want := []string{"orders-1.xml", "orders-2.xml", "rendelések-ăîșț.xml"}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Fatalf("names = %q, want %q", names, want)
	}
	f := files[2]
	if f.Size != int64(len("<x>árvíztűrő ăîșț</x>")) || f.ModTime.IsZero() {
		t.Errorf("size/modtime = %d %v", f.Size, f.ModTime)
	}
	u, err := url.Parse(f.URI)
	if err != nil || u.Scheme != "file" || u.Path != filepath.ToSlash(filepath.Join(dir, f.Name)) {
		t.Errorf("URI %q parses to %v, %v", f.URI, u, err)
	}

	rc, err := src.Open(t.Context(), f)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil || string(b) != "<x>árvíztűrő ăîșț</x>" {
		t.Fatalf("content = %q, %v", b, err)
	}
}

func TestDefaultGlob(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a", "1")
	writeFile(t, dir, "b.csv", "2")
	src, err := local.New(local.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	files, err := src.List(t.Context())
	if err != nil || len(files) != 2 {
		t.Fatalf("files = %v, %v", files, err)
	}
}

func TestOpenVanished(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "gone.xml", "x")
	src, err := local.New(local.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	files, err := src.List(t.Context())
	if err != nil || len(files) != 1 {
		t.Fatalf("files = %v, %v", files, err)
	}
	if err := os.Remove(files[0].Path); err != nil {
		t.Fatal(err)
	}
	_, err = src.Open(t.Context(), files[0])
	if !errors.Is(err, pipeline.ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
}

func TestOpenOutsideDir(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "exports")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, parent, "secret", "x")
	src, err := local.New(local.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	_, err = src.Open(t.Context(), pipeline.RemoteFile{Path: filepath.Join(dir, "..", "secret")})
	if err == nil || !strings.Contains(err.Error(), "outside") {
		t.Fatalf("err = %v, want outside-dir error", err)
	}
}

func TestCanceled(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.xml", strings.Repeat("x", 1<<16))
	src, err := local.New(local.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	files, _ := src.List(t.Context())

	ctx, cancel := context.WithCancel(t.Context())
	rc, err := src.Open(ctx, files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if _, err := rc.Read(make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := io.ReadAll(rc); !errors.Is(err, context.Canceled) {
		t.Fatalf("read after cancel: %v", err)
	}
	if _, err := src.List(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("list after cancel: %v", err)
	}
	if _, err := src.Open(ctx, files[0]); !errors.Is(err, context.Canceled) {
		t.Fatalf("open after cancel: %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "file", "x")
	missing := filepath.Join(dir, "missing")
	tests := []struct {
		name string
		cfg  local.Config
		want []string
		is   error
	}{
		{"empty dir", local.Config{}, []string{"Dir"}, nil},
		{"missing dir", local.Config{Dir: missing}, []string{"Dir", missing}, fs.ErrNotExist},
		{"dir is a file", local.Config{Dir: filepath.Join(dir, "file")}, []string{"Dir", "not a directory"}, nil},
		{"bad glob", local.Config{Dir: dir, Glob: "["}, []string{"Glob", `"["`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := local.New(tt.cfg)
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
		})
	}
}
