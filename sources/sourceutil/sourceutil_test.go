package sourceutil_test

import (
	"slices"
	"strings"
	"testing"

	"minisync/pipeline"
	"minisync/sources/sourceutil"
)

func TestSplitGlob(t *testing.T) {
	tests := []struct{ glob, want string }{
		{"*", "*"},
		{"2026-*/o-*.xml", "2026-*|o-*.xml"},
		{"*/*/*/*.xml", "*|*|*|*.xml"},
		{"*/*/*/*/*.xml", "error: more than 3 directory parts"},
		{"/x", "error: empty path part (leading, trailing or double slash)"},
		{"a/../b", `error: path part ".." is not allowed`},
		{"**/x", `error: path part "**" is not allowed`},
		{"[", "error: syntax error in pattern"},
	}
	for _, tt := range tests {
		parts, err := sourceutil.SplitGlob(tt.glob)
		got := strings.Join(parts, "|")
		if err != nil {
			got = "error: " + err.Error()
		}
		if got != tt.want {
			t.Errorf("SplitGlob(%q) = %s, want %s", tt.glob, got, tt.want)
		}
	}
}

func TestParseAfterSuccess(t *testing.T) {
	for v, want := range map[string]string{
		"":             "|",
		"delete":       "delete|",
		"archive:done": "archive|done",
		"archive:":     `error: "archive:" needs a folder, e.g. "archive:done"`,
		"move":         `error: want "", "archive:<dir>" or "delete"`,
	} {
		action, dir, err := sourceutil.ParseAfterSuccess(v)
		got := action + "|" + dir
		if err != nil {
			got = "error: " + err.Error()
		}
		if got != want {
			t.Errorf("ParseAfterSuccess(%q) = %s, want %s", v, got, want)
		}
	}
}

func TestNaming(t *testing.T) {
	if got := sourceutil.FileName("", "a.xml"); got != "a.xml" {
		t.Errorf("FileName at top = %q", got)
	}
	if got := sourceutil.FileName("2026/11", "a.xml"); got != "2026_11_a.xml" {
		t.Errorf("FileName below = %q", got)
	}
	if sourceutil.Descend("*", ".git") || !sourceutil.Descend(".*", ".hidden") || !sourceutil.Descend("*", "x") {
		t.Error("Descend enters a hidden folder for a pattern without a dot, or skips a plain one")
	}
	files := []pipeline.RemoteFile{{Name: "b", Path: "/b"}, {Name: "a", Path: "/a"}}
	if err := sourceutil.SortByName(files); err != nil || !slices.Equal([]string{files[0].Name, files[1].Name}, []string{"a", "b"}) {
		t.Errorf("SortByName = %v, %v", files, err)
	}
	files = append(files, pipeline.RemoteFile{Name: "a", Path: "/x/a"})
	if err := sourceutil.SortByName(files); err == nil || !strings.Contains(err.Error(), "both map to the name") {
		t.Errorf("SortByName with a duplicate name: err = %v", err)
	}
}
