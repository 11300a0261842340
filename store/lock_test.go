package store_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	osexec "os/exec"
	"path/filepath"
	"testing"

	"minisync/store"
)

// holdEnv makes the test binary a second process that keeps the staging
// file it names open until its standard input closes (see TestMain).
const holdEnv = "MINISYNC_HOLD_STAGING_FILE"

func TestMain(m *testing.M) {
	if path := os.Getenv(holdEnv); path != "" {
		os.Exit(holdStagingFile(path))
	}
	os.Exit(m.Run())
}

// holdStagingFile opens the file, says so on standard output and waits.
func holdStagingFile(path string) int {
	st, err := store.Open(context.Background(), path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer st.Close()
	os.Stdout.WriteString("open\n")
	io.Copy(io.Discard, os.Stdin)
	return 0
}

// TestFileInUseByAnotherProcess holds a staging file open in a second
// process and expects opening it here to fail with ErrLocked.
func TestFileInUseByAnotherProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "locked.duckdb")
	cmd := osexec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), holdEnv+"="+path)
	cmd.Stderr = os.Stderr
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
