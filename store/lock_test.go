package store_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	osexec "os/exec"
	"path/filepath"
	"testing"

	"minisync/store"
)

// TestFileInUseByAnotherProcess holds a staging file open in a second
// process and expects opening it here to fail with ErrLocked.
func TestFileInUseByAnotherProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "locked.duckdb")
	cmd := osexec.Command(os.Args[0], "-test.run=^TestHoldStagingFile$")
	cmd.Env = append(os.Environ(), "MINISYNC_HOLD_STAGING_FILE="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "open\n" {
		t.Fatalf("holder process: %q, %v", line, err)
	}
	_, err = store.Open(context.Background(), path)
	if !errors.Is(err, store.ErrLocked) {
		t.Fatalf("opening a file another process holds: %v, want ErrLocked", err)
	}
}

// TestHoldStagingFile is the second process of
// TestFileInUseByAnotherProcess: it keeps the file open until its standard
// input closes.
func TestHoldStagingFile(t *testing.T) {
	path := os.Getenv("MINISYNC_HOLD_STAGING_FILE")
	if path == "" {
		return // run on its own: nothing to hold
	}
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	os.Stdout.WriteString("open\n")
	io.Copy(io.Discard, os.Stdin)
}
