package sftp_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"minisync/pipeline"
	"minisync/sftpserver"
	"minisync/sources/sftp"
)

func TestGlobAcrossFolders(t *testing.T) {
	f := startServer(t, sftpserver.Options{})
	for _, p := range []string{
		"out/2026-11-19/orders-1.xml", "out/2026-11-20/orders-1.xml", "out/2026-11-20/orders-2.xml",
		"out/2026-11-20/notes.txt", "out/2025-12-31/orders-9.xml", "out/.tmp/orders-x.xml",
		"out/orders-top.xml", "out/2026-11-21.xml/orders-3.xml",
	} {
		f.write(t, p, []byte(p))
	}
	cfg := f.config()
	cfg.Dir, cfg.Glob = "/out", "2026-*/orders-*.xml"
	src := connect(t, cfg)
	files, err := src.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, rf := range files {
		got = append(got, rf.Name+"="+rf.Path)
		if !strings.HasSuffix(rf.URI, pipeline.EscapeURIPath(rf.Path)) {
			t.Errorf("URI %q does not show Path %q", rf.URI, rf.Path)
		}
		if b := fetchAll(t, src, rf); string(b) != strings.TrimPrefix(rf.Path, "/") {
			t.Errorf("%s reads %q", rf.Path, b)
		}
	}
	want := []string{
		"2026-11-19_orders-1.xml=/out/2026-11-19/orders-1.xml",
		"2026-11-20_orders-1.xml=/out/2026-11-20/orders-1.xml",
		"2026-11-20_orders-2.xml=/out/2026-11-20/orders-2.xml",
		"2026-11-21.xml_orders-3.xml=/out/2026-11-21.xml/orders-3.xml",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("files = %q\nwant %q", got, want)
	}

	cfg.Glob = ".*/*.xml" // hidden folders only when asked for
	if files, err := connect(t, cfg).List(t.Context()); err != nil || len(files) != 1 || files[0].Name != ".tmp_orders-x.xml" {
		t.Fatalf("hidden: %+v, %v", files, err)
	}
}

func fetchAll(t *testing.T, src *sftp.Source, rf pipeline.RemoteFile) []byte {
	t.Helper()
	rc, err := src.Open(t.Context(), rf)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGlobCollision(t *testing.T) {
	f := startServer(t, sftpserver.Options{})
	f.write(t, "a_b/x.xml", []byte("1"))
	f.write(t, "a/b_x.xml", []byte("2"))
	cfg := f.config()
	cfg.Glob = "*/*.xml"
	if _, err := connect(t, cfg).List(t.Context()); err == nil || !strings.Contains(err.Error(), "a_b_x.xml") {
		t.Fatalf("err = %v, want a name collision", err)
	}
}

func TestGlobConfigErrors(t *testing.T) {
	f := startServer(t, sftpserver.Options{})
	for _, g := range []string{"a/b/c/d/*.xml", "/abs/*.xml", "out//*.xml", "../*.xml", "**/*.xml", "out/*.xml/", "x/[/y"} {
		cfg := f.config()
		cfg.Glob = g
		if _, err := sftp.New(t.Context(), cfg, nil); err == nil || !strings.Contains(err.Error(), "Glob") {
			t.Errorf("Glob %q: err = %v", g, err)
		}
	}
	for _, a := range []string{"archive:", "move", "delete:x"} {
		cfg := f.config()
		cfg.AfterSuccess = a
		if _, err := sftp.New(t.Context(), cfg, nil); err == nil || !strings.Contains(err.Error(), "AfterSuccess") {
			t.Errorf("AfterSuccess %q: err = %v", a, err)
		}
	}
}

func TestFinish(t *testing.T) {
	for _, tt := range []struct {
		after string
		check func(t *testing.T, root string)
	}{
		{"", func(t *testing.T, root string) {
			mustExist(t, root, "out/2026-11-20/a.xml", "out/2026-11-21/a.xml")
		}},
		{"delete", func(t *testing.T, root string) {
			mustNotExist(t, root, "out/2026-11-20/a.xml", "out/2026-11-21/a.xml")
			mustExist(t, root, "out/2026-11-21/skip.txt")
		}},
		{"archive:done", func(t *testing.T, root string) {
			mustNotExist(t, root, "out/2026-11-20/a.xml", "out/2026-11-21/a.xml")
			mustExist(t, root, "out/done/2026-11-20_a.xml", "out/done/2026-11-21_a.xml")
			entries, _ := os.ReadDir(filepath.Join(root, "out/done"))
			if len(entries) != 3 { // plus the earlier 2026-11-20_a.xml, kept under a stamped name
				t.Errorf("archive holds %d files, want 3", len(entries))
			}
		}},
		{"archive:/archive/x", func(t *testing.T, root string) {
			mustExist(t, root, "archive/x/2026-11-20_a.xml", "archive/x/2026-11-21_a.xml")
		}},
	} {
		t.Run(tt.after, func(t *testing.T) {
			f := startServer(t, sftpserver.Options{})
			f.write(t, "out/2026-11-20/a.xml", []byte("20"))
			f.write(t, "out/2026-11-21/a.xml", []byte("21"))
			f.write(t, "out/2026-11-21/skip.txt", []byte("not listed"))
			f.write(t, "out/done/2026-11-20_a.xml", []byte("archived before"))
			cfg := f.config()
			cfg.Dir, cfg.Glob, cfg.AfterSuccess = "out", "2026-*/*.xml", tt.after
			src := connect(t, cfg)
			files, err := src.List(t.Context())
			if err != nil || len(files) != 2 {
				t.Fatalf("files = %v, %v", files, err)
			}
			var fin pipeline.Finisher = src
			if err := fin.Finish(t.Context(), files); err != nil {
				t.Fatal(err)
			}
			tt.check(t, f.root)
			// Finishing again: the files are gone (or left), not an error.
			if err := src.Finish(t.Context(), files); err != nil {
				t.Fatalf("second Finish: %v", err)
			}
		})
	}
}

func TestFinishRefusesOutsideDir(t *testing.T) {
	f := startServer(t, sftpserver.Options{})
	f.write(t, "out/a.xml", []byte("a"))
	f.write(t, "keep.xml", []byte("k"))
	cfg := f.config()
	cfg.Dir, cfg.AfterSuccess = "out", "delete"
	src := connect(t, cfg)
	err := src.Finish(t.Context(), []pipeline.RemoteFile{{Name: "keep.xml", Path: "/keep.xml"}, {Name: "x", Path: "/out/../keep.xml"}})
	if err == nil {
		t.Fatal("Finish outside Dir succeeded")
	}
	mustExist(t, f.root, "keep.xml")
	if errors.Is(err, os.ErrNotExist) {
		t.Fatalf("err = %v", err)
	}
}

func mustExist(t *testing.T, root string, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := os.Stat(filepath.Join(root, n)); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
}

func mustNotExist(t *testing.T, root string, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := os.Stat(filepath.Join(root, n)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s still exists (%v)", n, err)
		}
	}
}
