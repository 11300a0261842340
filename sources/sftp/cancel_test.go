package sftp_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh/knownhosts"

	"minisync/pipeline"
	"minisync/sftpserver"
	"minisync/sources/sftp"
)

// prompt is how long a cancelled call may take to return.
const prompt = 2 * time.Second

// stalledSource connects through a proxy that can freeze the connection.
func stalledSource(t *testing.T) (*sftp.Source, *stallProxy, pipeline.RemoteFile) {
	t.Helper()
	f := startServer(t, sftpserver.Options{})
	f.write(t, "big.xml", []byte(strings.Repeat("<rendelés/>\n", 1<<20)))
	p := startProxy(t, f.srv.Addr())
	writeFile(t, f.knownHosts, knownhosts.Line([]string{p.addr()}, f.srv.HostKey())+"\n")
	cfg := f.config()
	_, port, _ := strings.Cut(p.addr(), ":")
	cfg.Port = atoi(t, port)
	src := connect(t, cfg)
	files, err := src.List(t.Context())
	if err != nil || len(files) != 1 {
		t.Fatalf("files = %v, %v", files, err)
	}
	return src, p, files[0]
}

func TestCancelDuringRead(t *testing.T) {
	src, p, file := stalledSource(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	rc, err := src.Open(ctx, file)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if _, err := io.ReadFull(rc, make([]byte, 1024)); err != nil {
		t.Fatal(err)
	}
	p.stall()
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err = io.Copy(io.Discard, rc)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("read err = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > prompt {
		t.Fatalf("read returned after %v", d)
	}
}

func TestCancelDuringOpenAndList(t *testing.T) {
	src, p, file := stalledSource(t)
	p.stall()
	for name, call := range map[string]func(context.Context) error{
		"open": func(ctx context.Context) error { _, err := src.Open(ctx, file); return err },
		"list": func(ctx context.Context) error { _, err := src.List(ctx); return err },
	} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
			defer cancel()
			start := time.Now()
			err := call(ctx)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err = %v, want deadline exceeded", err)
			}
			if d := time.Since(start); d > prompt {
				t.Fatalf("returned after %v", d)
			}
		})
	}
}

func TestCancelledBeforeOpen(t *testing.T) {
	f := startServer(t, sftpserver.Options{})
	f.write(t, "a.xml", []byte("a"))
	src := connect(t, f.config())
	files, err := src.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := src.Open(ctx, files[0]); !errors.Is(err, context.Canceled) {
		t.Fatalf("open err = %v", err)
	}
	if _, err := src.List(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("list err = %v", err)
	}
	if _, err := sftp.New(ctx, f.config(), nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("new err = %v", err)
	}
}

func TestCancelDuringConnect(t *testing.T) {
	f := startServer(t, sftpserver.Options{})
	p := startProxy(t, f.srv.Addr())
	p.stall() // the ssh version exchange never completes
	writeFile(t, f.knownHosts, knownhosts.Line([]string{p.addr()}, f.srv.HostKey())+"\n")
	cfg := f.config()
	_, port, _ := strings.Cut(p.addr(), ":")
	cfg.Port = atoi(t, port)
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := sftp.New(ctx, cfg, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
	if d := time.Since(start); d > prompt {
		t.Fatalf("returned after %v", d)
	}
}
