package local_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"minisync/pipeline"
	"minisync/sources/local"
)

func writeAt(t *testing.T, dir, rel, content string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Dir(p), filepath.Base(p), content)
}

func TestGlobAcrossFolders(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"2026-11-19/orders-1.xml", "2026-11-20/orders-1.xml", "2026-11-20/notes.txt",
		"2025-01-01/orders-9.xml", ".tmp/orders-x.xml", "orders-top.xml"} {
		writeAt(t, dir, p, p)
	}
	src, err := local.New(local.Config{Dir: dir, Glob: "2026-*/orders-*.xml"})
	if err != nil {
		t.Fatal(err)
	}
	files, err := src.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		got = append(got, f.Name+"="+strings.TrimPrefix(filepath.ToSlash(f.Path), filepath.ToSlash(dir)))
	}
	want := []string{"2026-11-19_orders-1.xml=/2026-11-19/orders-1.xml", "2026-11-20_orders-1.xml=/2026-11-20/orders-1.xml"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("files = %q, want %q", got, want)
	}
	if _, err := local.New(local.Config{Dir: dir, Glob: "a/b/c/d/*"}); err == nil || !strings.Contains(err.Error(), "Glob") {
		t.Fatalf("deep glob: %v", err)
	}
}

func TestFinish(t *testing.T) {
	for _, after := range []string{"", "delete", "archive:done"} {
		t.Run(after, func(t *testing.T) {
			dir := t.TempDir()
			writeAt(t, dir, "d1/a.xml", "1")
			writeAt(t, dir, "d2/a.xml", "2")
			writeAt(t, dir, "done/d1_a.xml", "archived before")
			src, err := local.New(local.Config{Dir: dir, Glob: "d*/a.xml", AfterSuccess: after})
			if err != nil {
				t.Fatal(err)
			}
			files, err := src.List(t.Context())
			if err != nil || len(files) != 2 {
				t.Fatalf("files = %v, %v", files, err)
			}
			if err := src.Finish(t.Context(), files); err != nil {
				t.Fatal(err)
			}
			_, err1 := os.Stat(filepath.Join(dir, "d1/a.xml"))
			if (after == "") != (err1 == nil) {
				t.Fatalf("d1/a.xml after %q: %v", after, err1)
			}
			if after == "archive:done" {
				entries, _ := os.ReadDir(filepath.Join(dir, "done"))
				if len(entries) != 3 {
					t.Fatalf("archive holds %d files, want 3", len(entries))
				}
				if b, _ := os.ReadFile(filepath.Join(dir, "done", "d2_a.xml")); string(b) != "2" {
					t.Fatalf("archived d2_a.xml = %q", b)
				}
			}
			if err := src.Finish(t.Context(), files); err != nil {
				t.Fatalf("second Finish: %v", err)
			}
			err = src.Finish(t.Context(), []pipeline.RemoteFile{{Name: "x", Path: filepath.Join(dir, "..", "x")}})
			if after != "" && (err == nil || errors.Is(err, os.ErrNotExist)) {
				t.Fatalf("Finish outside Dir: %v", err)
			}
		})
	}
}
