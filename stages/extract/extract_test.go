package extract_test

import (
	"context"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"minisync/sources/httpfile"
	"minisync/stages/extract"
	"minisync/store"
)

// A download that ends short of its Content-Length is not archived, and
// the next run fetches it again.
func TestTruncatedDownloadIsNotArchived(t *testing.T) {
	body := strings.Repeat("<Order/>", 500)
	var truncate atomic.Bool
	truncate.Store(true)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "4000")
		w.Header().Set("ETag", `"v1"`)
		if truncate.Load() {
			w.Write([]byte(body[:1500])) // the server dies mid-body
			return
		}
		w.Write([]byte(body))
	}))
	defer srv.Close()

	dir := t.TempDir()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(dir, "shop.duckdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	src, err := httpfile.New(httpfile.Config{URLs: []string{srv.URL + "/exports/orders.xml"}, HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	opts := extract.Options{
		Integration: "shop", ArchiveRoot: filepath.Join(dir, "raw"),
		ExportDate: func(string, time.Time) (time.Time, error) { return time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), nil },
	}
	if _, err := extract.Run(ctx, src, st, opts); err == nil {
		t.Fatal("a truncated download was accepted")
	}
	var n int
	if err := st.DB.QueryRow(`SELECT count(*) FROM raw_files`).Scan(&n); err != nil || n != 0 {
		t.Errorf("raw_files has %d rows (%v), want 0", n, err)
	}
	filepath.WalkDir(filepath.Join(dir, "raw"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			t.Errorf("%s is in the archive", p)
		}
		return nil
	})

	truncate.Store(false)
	res, err := extract.Run(ctx, src, st, opts)
	if err != nil || len(res.Archived) != 1 || res.Archived[0].Size != int64(len(body)) {
		t.Fatalf("the complete download: %+v, %v", res, err)
	}
}
