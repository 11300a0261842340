package sftp_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/ssh/knownhosts"

	"minisync/sftpserver"
	"minisync/sources/sftp"
)

// cutProxy forwards TCP to a target. On the first connection only, once
// the server has sent after bytes, it runs onCut and then either closes
// the connection (a drop) or stops forwarding (a stall).
type cutProxy struct {
	ln     net.Listener
	target string
	after  int64
	stall  bool
	onCut  func()

	mu    sync.Mutex
	n     int // connections accepted
	conns []net.Conn
	wg    sync.WaitGroup
	done  chan struct{}
}

func startCutProxy(t *testing.T, target string, after int64, stall bool, onCut func()) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: target, after: after, stall: stall, onCut: onCut, done: make(chan struct{})}
	p.wg.Go(p.accept)
	t.Cleanup(p.close)
	return p
}

func (p *cutProxy) port(t *testing.T) int {
	_, port, _ := strings.Cut(p.ln.Addr().String(), ":")
	return atoi(t, port)
}

func (p *cutProxy) connections() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

func (p *cutProxy) close() {
	close(p.done)
	p.ln.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *cutProxy) accept() {
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		out, err := net.Dial("tcp", p.target)
		if err != nil {
			in.Close()
			continue
		}
		p.mu.Lock()
		p.n++
		first := p.n == 1
		p.conns = append(p.conns, in, out)
		p.mu.Unlock()
		p.wg.Go(func() { io.Copy(out, in); out.Close() })
		p.wg.Go(func() {
			defer in.Close()
			if !first {
				io.Copy(in, out)
				return
			}
			if _, err := io.CopyN(in, out, p.after); err != nil {
				return
			}
			if p.onCut != nil {
				p.onCut()
			}
			if p.stall {
				<-p.done
				return
			}
			out.Close()
		})
	}
}

// resumeFixture serves a 5 MiB random file through a cutProxy.
func resumeFixture(t *testing.T, stall bool, onCut func(f *fixture)) (*sftp.Source, *cutProxy, []byte) {
	t.Helper()
	f := startServer(t, sftpserver.Options{})
	data := make([]byte, 5<<20+7)
	if _, err := rand.Read(data); err != nil {
		t.Fatal(err)
	}
	f.write(t, "big.xml", data)
	p := startCutProxy(t, f.srv.Addr(), 2<<20, stall, func() {
		if onCut != nil {
			onCut(f)
		}
	})
	cfg := f.config()
	cfg.Port = p.port(t)
	writeFile(t, f.knownHosts, knownhosts.Line([]string{p.ln.Addr().String()}, f.srv.HostKey())+"\n")
	cfg.RetryBackoff = time.Millisecond
	if stall {
		cfg.IdleTimeout = 200 * time.Millisecond
	}
	return connect(t, cfg), p, data
}

func TestResumeAfterDrop(t *testing.T) {
	src, p, data := resumeFixture(t, false, nil)
	files, err := src.List(t.Context())
	if err != nil || len(files) != 1 {
		t.Fatalf("files = %v, %v", files, err)
	}
	rc, err := src.Open(t.Context(), files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Fatalf("resumed download differs: %d bytes, want %d", len(got), len(data))
	}
	if n := p.connections(); n != 2 {
		t.Fatalf("%d connections, want 2 (one reconnect)", n)
	}
	// The source keeps working on the new connection.
	if files, err := src.List(t.Context()); err != nil || len(files) != 1 {
		t.Fatalf("List after reconnect = %v, %v", files, err)
	}
}

func TestResumeAfterStall(t *testing.T) {
	src, p, data := resumeFixture(t, true, nil)
	files, err := src.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	rc, err := src.Open(t.Context(), files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	got, err := io.ReadAll(rc)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("download after stall: %d bytes, %v", len(got), err)
	}
	if n := p.connections(); n < 2 { // more when a slow machine trips IdleTimeout elsewhere too
		t.Fatalf("%d connections, want a reconnect", n)
	}
}

func TestResumeRefusesChangedFile(t *testing.T) {
	for name, change := range map[string]func(t *testing.T, f *fixture){
		"appended": func(t *testing.T, f *fixture) {
			fh, err := os.OpenFile(filepath.Join(f.root, "big.xml"), os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Error(err)
				return
			}
			fh.Write([]byte("more"))
			fh.Close()
		},
		"touched": func(t *testing.T, f *fixture) {
			future := time.Now().Add(time.Hour)
			if err := os.Chtimes(filepath.Join(f.root, "big.xml"), future, future); err != nil {
				t.Error(err)
			}
		},
		"removed": func(t *testing.T, f *fixture) {
			if err := os.Remove(filepath.Join(f.root, "big.xml")); err != nil {
				t.Error(err)
			}
		},
	} {
		t.Run(name, func(t *testing.T) {
			src, _, _ := resumeFixture(t, false, func(f *fixture) { change(t, f) })
			files, err := src.List(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			rc, err := src.Open(t.Context(), files[0])
			if err != nil {
				t.Fatal(err)
			}
			defer rc.Close()
			if _, err := io.Copy(io.Discard, rc); !errors.Is(err, sftp.ErrChanged) {
				t.Fatalf("err = %v, want ErrChanged", err)
			}
		})
	}
}

func TestResumeDisabled(t *testing.T) {
	f := startServer(t, sftpserver.Options{})
	f.write(t, "big.xml", bytes.Repeat([]byte("x"), 5<<20))
	p := startCutProxy(t, f.srv.Addr(), 2<<20, false, nil)
	cfg := f.config()
	cfg.Port, cfg.Retries = p.port(t), -1
	writeFile(t, f.knownHosts, knownhosts.Line([]string{p.ln.Addr().String()}, f.srv.HostKey())+"\n")
	src := connect(t, cfg)
	files, err := src.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	rc, err := src.Open(t.Context(), files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if _, err := io.Copy(io.Discard, rc); err == nil {
		t.Fatal("a dropped download without retries succeeded")
	}
}
