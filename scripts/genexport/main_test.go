package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunExitCodes(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want int
	}{
		{nil, 2},
		{[]string{"orders"}, 2},
		{[]string{"unas", "--bogus"}, 2},
		{[]string{"unas", "--orders", "x", "--out", "-"}, 2},
		{[]string{"unas", "--day", "3", "--out", "-"}, 2},
		{[]string{"unas", "--orders", "5"}, 2},
		{[]string{"invoices", "--encoding", "latin-9", "--out", "-"}, 2},
		{[]string{"invoices", "--rows", "5", "--out", "-", "extra"}, 2},
	} {
		var stdout, stderr bytes.Buffer
		if got := run(tc.args, &stdout, &stderr); got != tc.want {
			t.Errorf("run(%q) = %d, want %d; stderr:\n%s", tc.args, got, tc.want, stderr.String())
		}
		if !strings.Contains(stderr.String(), "usage:") {
			t.Errorf("run(%q): no usage on stderr", tc.args)
		}
	}
}

func TestRunWrites(t *testing.T) {
	out := filepath.Join(t.TempDir(), "orders.xml")
	var stdout, stderr bytes.Buffer
	if got := run([]string{"unas", "--orders", "20", "--day", "2", "--changed", "0.1", "--new", "0.1", "--out", out}, &stdout, &stderr); got != 0 {
		t.Fatalf("exit %d: %s", got, stderr.String())
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(data, []byte("<Order>")); n != 22 {
		t.Errorf("%d orders in file, want 22", n)
	}
	if !strings.Contains(stderr.String(), "22 orders") || !strings.Contains(stderr.String(), "2 changed") {
		t.Errorf("stats on stderr: %q", stderr.String())
	}

	stdout.Reset()
	stderr.Reset()
	if got := run([]string{"invoices", "--rows", "10", "--encoding", "windows-1250", "--out", "-"}, &stdout, &stderr); got != 0 {
		t.Fatalf("exit %d: %s", got, stderr.String())
	}
	if n := bytes.Count(stdout.Bytes(), []byte("\r\nSZLA-")); n < 1 || !bytes.HasPrefix(stdout.Bytes(), []byte("Sz\xe1mlasz\xe1m;")) {
		t.Errorf("stdout is not a windows-1250 invoice CSV: %q", stdout.String())
	}
}
