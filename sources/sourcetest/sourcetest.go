// Package sourcetest is the conformance suite every pipeline.Source
// passes: listing, fetching, unchanged and vanished files, cancellation,
// bad credentials and an untrusted server identity. Each source's tests
// call Run with a Harness that builds the source over a set of files.
package sourcetest

import (
	"bytes"
	"context"
	"errors"
	"io"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	"minisync/pipeline"
)

// Fixture changes the files behind a source that Harness.New made.
type Fixture struct {
	// Write creates or replaces the file name with data.
	Write func(t *testing.T, name string, data []byte)
	// Remove deletes the file name.
	Remove func(t *testing.T, name string)
}

// Harness tells Run how to build and break one kind of source.
type Harness struct {
	// New returns a source that lists exactly files (name → content), and a
	// Fixture over them. The suite closes the source.
	New func(t *testing.T, files map[string][]byte) (pipeline.Source, Fixture)
	// SnapshotOnList says the source fetches a file's content while
	// listing (an HTTP GET kept open): Open then returns the listed content
	// even if the file vanished since, and only a second Open reports it
	// gone.
	SnapshotOnList bool
	// BadCredentials builds a source over the same kind of server with wrong
	// credentials and returns the first error of building it or listing;
	// nil when the source has no credentials.
	BadCredentials func(t *testing.T) error
	// AuthErr is the error BadCredentials' error must wrap.
	AuthErr error
	// WrongIdentity builds a source whose server presents a host key or
	// certificate the source must not trust, and returns the first error of
	// building it or listing; nil when the source has no server identity.
	WrongIdentity func(t *testing.T) error
	// IdentityErr is the error WrongIdentity's error must wrap.
	IdentityErr error
}

// Files returns the fixture set the suite uses: a small file, one with a
// non-ASCII name and content, an empty one and a 4 MiB one, whose names
// sort in that order.
func Files() map[string][]byte {
	big := make([]byte, 4<<20+17)
	r := rand.New(rand.NewChaCha8([32]byte{'m', 'i', 'n', 'i', 's', 'y', 'n', 'c'}))
	for i := range big {
		big[i] = byte(r.Uint32())
	}
	return map[string][]byte{
		"a-orders.xml":          []byte("<orders n=\"1\"/>\n"),
		"b-rendelések-ăîșț.xml": []byte("<rendelés vevő=\"Árvíztűrő Tükörfúrógép Kft.\" oraș=\"Brașov\">ăîșțâ ÁÉÍÓÖŐÚÜŰ</rendelés>\n"),
		"c-big.bin":             big,
		"d-empty.xml":           {},
	}
}

// Run runs the conformance suite against the source h builds.
func Run(t *testing.T, h Harness) {
	t.Run("List", func(t *testing.T) { testList(t, h) })
	t.Run("Fetch", func(t *testing.T) { testFetch(t, h) })
	t.Run("Unchanged", func(t *testing.T) { testUnchanged(t, h) })
	t.Run("Vanished", func(t *testing.T) { testVanished(t, h) })
	t.Run("Cancel", func(t *testing.T) { testCancel(t, h) })
	t.Run("BadCredentials", func(t *testing.T) {
		if h.BadCredentials == nil {
			t.Skip("the source has no credentials")
		}
		checkErr(t, h.BadCredentials(t), h.AuthErr)
	})
	t.Run("WrongIdentity", func(t *testing.T) {
		if h.WrongIdentity == nil {
			t.Skip("the source has no server identity")
		}
		checkErr(t, h.WrongIdentity(t), h.IdentityErr)
	})
}

func checkErr(t *testing.T, err, want error) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	if want != nil && !errors.Is(err, want) {
		t.Fatalf("err = %v, want one wrapping %v", err, want)
	}
	t.Logf("error, as expected: %v", err)
}

func newSource(t *testing.T, h Harness, files map[string][]byte) (pipeline.Source, Fixture) {
	t.Helper()
	src, fx := h.New(t, files)
	t.Cleanup(func() {
		if err := src.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return src, fx
}

func list(t *testing.T, src pipeline.Source) []pipeline.RemoteFile {
	t.Helper()
	files, err := src.List(t.Context())
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	return files
}

func names(files []pipeline.RemoteFile) []string {
	var out []string
	for _, f := range files {
		out = append(out, f.Name)
	}
	return out
}

func fetch(t *testing.T, src pipeline.Source, f pipeline.RemoteFile) []byte {
	t.Helper()
	rc, err := src.Open(t.Context(), f)
	if err != nil {
		t.Fatalf("Open %s: %v", f.Name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("reading %s: %v", f.Name, err)
	}
	return b
}

func testList(t *testing.T, h Harness) {
	want := Files()
	src, _ := newSource(t, h, want)
	files := list(t, src)
	if got, w := names(files), slices.Sorted(maps.Keys(want)); !slices.Equal(got, w) {
		t.Fatalf("names = %q, want %q (sorted)", got, w)
	}
	for _, f := range files {
		if f.Size != -1 && f.Size != int64(len(want[f.Name])) {
			t.Errorf("%s: Size %d, want %d or -1", f.Name, f.Size, len(want[f.Name]))
		}
		if f.ModTime.IsZero() || f.Path == "" || f.URI == "" {
			t.Errorf("%s: ModTime %v, Path %q, URI %q", f.Name, f.ModTime, f.Path, f.URI)
		}
	}
}

func testFetch(t *testing.T, h Harness) {
	want := Files()
	src, _ := newSource(t, h, want)
	for _, f := range list(t, src) {
		if got := fetch(t, src, f); !bytes.Equal(got, want[f.Name]) {
			t.Errorf("%s: got %d bytes differing from the %d written", f.Name, len(got), len(want[f.Name]))
		}
	}
}

// testUnchanged checks that a cursor source lists nothing new after the
// cursor of its last file, and a plain source serves the same bytes again;
// then that a changed file is served anew.
func testUnchanged(t *testing.T, h Harness) {
	want := Files()
	src, fx := newSource(t, h, want)
	files := list(t, src)
	for _, f := range files {
		fetch(t, src, f)
	}
	cs, isCursor := src.(pipeline.CursorSource)
	const changed = "a-orders.xml"
	if isCursor {
		cs.SetCursor(files[len(files)-1].Cursor)
		if again := list(t, cs); len(again) != 0 {
			t.Fatalf("after the last file's cursor, List = %q, want nothing", names(again))
		}
		cs.SetCursor(files[0].Cursor)
		if got := names(list(t, cs)); !slices.Equal(got, names(files[1:])) {
			t.Fatalf("after the first file's cursor, List = %q, want %q", got, names(files[1:]))
		}
		cs.SetCursor(files[len(files)-1].Cursor)
	} else {
		again := list(t, src)
		if !slices.Equal(names(again), names(files)) {
			t.Fatalf("second List = %q, want %q", names(again), names(files))
		}
		for _, f := range again {
			if got := fetch(t, src, f); !bytes.Equal(got, want[f.Name]) {
				t.Errorf("%s: second fetch differs", f.Name)
			}
		}
	}

	fx.Write(t, changed, []byte("<orders n=\"2\"/>\n"))
	again := list(t, src)
	i := slices.IndexFunc(again, func(f pipeline.RemoteFile) bool { return f.Name == changed })
	if i < 0 {
		t.Fatalf("after changing %s, List = %q lacks it", changed, names(again))
	}
	if isCursor && len(again) != 1 {
		t.Errorf("after changing %s, List = %q, want only it", changed, names(again))
	}
	if got := fetch(t, src, again[i]); string(got) != "<orders n=\"2\"/>\n" {
		t.Errorf("changed %s reads %q", changed, got)
	}
}

func testVanished(t *testing.T, h Harness) {
	want := Files()
	src, fx := newSource(t, h, want)
	files := list(t, src)
	gone := files[0]
	fx.Remove(t, gone.Name)
	rc, err := src.Open(t.Context(), gone)
	if h.SnapshotOnList {
		if err != nil {
			t.Fatalf("first Open after removal: %v, want the listed content", err)
		}
		b, rerr := io.ReadAll(rc)
		rc.Close()
		if rerr != nil || !bytes.Equal(b, want[gone.Name]) {
			t.Fatalf("listed content = %q, %v", b, rerr)
		}
		rc, err = src.Open(t.Context(), gone)
	}
	if err == nil {
		rc.Close()
		t.Fatal("Open of a removed file succeeded")
	}
	if !errors.Is(err, pipeline.ErrNotFound) {
		t.Fatalf("Open of a removed file: %v, want ErrNotFound", err)
	}
	again, err := src.List(t.Context())
	if err != nil {
		if !errors.Is(err, pipeline.ErrNotFound) {
			t.Fatalf("List after removal: %v, want success or ErrNotFound", err)
		}
		return
	}
	if slices.Contains(names(again), gone.Name) {
		t.Fatalf("List after removal still has %s", gone.Name)
	}
}

// testCancel checks that calls with a cancelled context and reads after a
// cancellation fail with context.Canceled (the go test timeout catches a
// call that does not return).
func testCancel(t *testing.T, h Harness) {
	want := Files()
	src, _ := newSource(t, h, want)
	files := list(t, src)
	big := files[slices.IndexFunc(files, func(f pipeline.RemoteFile) bool { return f.Name == "c-big.bin" })]

	ctx, cancel := context.WithCancel(t.Context())
	rc, err := src.Open(ctx, big)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if _, err := io.ReadFull(rc, make([]byte, 1024)); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := io.Copy(io.Discard, rc); !errors.Is(err, context.Canceled) {
		t.Fatalf("read after cancel: %v, want context.Canceled", err)
	}
	if _, err := src.Open(ctx, files[0]); !errors.Is(err, context.Canceled) {
		t.Fatalf("Open with a cancelled context: %v, want context.Canceled", err)
	}
	if _, err := src.List(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("List with a cancelled context: %v, want context.Canceled", err)
	}
	// The source still works after a cancelled call.
	if got := fetch(t, src, files[0]); !bytes.Equal(got, want[files[0].Name]) {
		t.Fatalf("fetch after cancellation differs")
	}
}
