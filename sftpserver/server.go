// Package sftpserver runs an in-process SFTP server on loopback for the demo
// and for tests: pkg/sftp's request server behind an x/crypto/ssh listener.
package sftpserver

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// Options configures a Server.
type Options struct {
	// Root is the directory served; no request reaches outside it.
	Root string
	// User is the only user name accepted.
	User string
	// Password enables password authentication when non-empty.
	Password string
	// AuthorizedKey enables public-key authentication when non-nil.
	AuthorizedKey ssh.PublicKey
	// HostKey is the server's host key; an ed25519 key is generated when nil.
	HostKey ssh.Signer
	// ExtraHostKeys are further host keys offered besides HostKey, so tests
	// can check which one a client negotiates.
	ExtraHostKeys []ssh.Signer
	// Logger receives connection and request logs at Debug; nil discards them.
	Logger *slog.Logger
}

// Server is a running SFTP server listening on 127.0.0.1.
type Server struct {
	ln      net.Listener
	config  *ssh.ServerConfig
	hostKey ssh.Signer
	fs      *rootFS
	logger  *slog.Logger

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// Start validates opts, listens on 127.0.0.1:0 and serves until Close.
func Start(opts Options) (*Server, error) {
	if opts.User == "" {
		return nil, errors.New("starting sftp server: User is empty")
	}
	if opts.Password == "" && opts.AuthorizedKey == nil {
		return nil, errors.New("starting sftp server: neither Password nor AuthorizedKey is set")
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	logger = logger.WithGroup("sftpserver")
	hostKey := opts.HostKey
	if hostKey == nil {
		var err error
		if hostKey, err = generateHostKey(); err != nil {
			return nil, fmt.Errorf("starting sftp server: %w", err)
		}
	}
	if fi, err := os.Stat(opts.Root); err != nil {
		return nil, fmt.Errorf("starting sftp server: Root %q: %w", opts.Root, err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("starting sftp server: Root %q is not a directory", opts.Root)
	}
	root, err := os.OpenRoot(opts.Root)
	if err != nil {
		return nil, fmt.Errorf("starting sftp server: opening Root %q: %w", opts.Root, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		root.Close()
		return nil, fmt.Errorf("starting sftp server: listening: %w", err)
	}
	s := &Server{
		ln:      ln,
		config:  serverConfig(opts, logger),
		hostKey: hostKey,
		fs:      &rootFS{root: root, logger: logger},
		logger:  logger,
		conns:   make(map[net.Conn]struct{}),
	}
	s.config.AddHostKey(hostKey)
	for _, k := range opts.ExtraHostKeys {
		s.config.AddHostKey(k)
	}
	s.wg.Go(s.acceptLoop)
	logger.Debug("listening", "addr", s.Addr())
	return s, nil
}

func generateHostKey() (ssh.Signer, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generating host key: %w", err)
	}
	signer, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return nil, fmt.Errorf("generating host key: %w", err)
	}
	return signer, nil
}

func serverConfig(opts Options, logger *slog.Logger) *ssh.ServerConfig {
	cfg := &ssh.ServerConfig{}
	if opts.Password != "" {
		cfg.PasswordCallback = func(c ssh.ConnMetadata, pass []byte) (*ssh.Permissions, error) {
			userOK := subtle.ConstantTimeCompare([]byte(c.User()), []byte(opts.User)) == 1
			passOK := subtle.ConstantTimeCompare(pass, []byte(opts.Password)) == 1
			if userOK && passOK {
				return nil, nil
			}
			logger.Debug("password rejected", "user", c.User(), "remote", c.RemoteAddr().String())
			return nil, errors.New("password rejected")
		}
	}
	if opts.AuthorizedKey != nil {
		want := opts.AuthorizedKey.Marshal()
		cfg.PublicKeyCallback = func(c ssh.ConnMetadata, key ssh.PublicKey) (*ssh.Permissions, error) {
			userOK := subtle.ConstantTimeCompare([]byte(c.User()), []byte(opts.User)) == 1
			keyOK := subtle.ConstantTimeCompare(key.Marshal(), want) == 1
			if userOK && keyOK {
				return nil, nil
			}
			return nil, errors.New("public key rejected")
		}
	}
	return cfg
}

// Addr returns the listening address as host:port.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Port returns the listening TCP port.
func (s *Server) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// HostKey returns the public half of the server's host key.
func (s *Server) HostKey() ssh.PublicKey { return s.hostKey.PublicKey() }

// KnownHostsLine returns the known_hosts line for the server, "[127.0.0.1]:port key".
func (s *Server) KnownHostsLine() string {
	return knownhosts.Line([]string{knownhosts.Normalize(s.Addr())}, s.HostKey())
}

// WriteKnownHosts writes a known_hosts file holding only KnownHostsLine.
func (s *Server) WriteKnownHosts(path string) error {
	if err := os.WriteFile(path, []byte(s.KnownHostsLine()+"\n"), 0o600); err != nil {
		return fmt.Errorf("writing known_hosts: %w", err)
	}
	return nil
}

// Close stops accepting, closes live connections and waits for their
// goroutines to end.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	err := s.ln.Close()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	if rerr := s.fs.root.Close(); err == nil {
		err = rerr
	}
	if err != nil {
		return fmt.Errorf("closing sftp server: %w", err)
	}
	return nil
}

func (s *Server) acceptLoop() {
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				s.logger.Warn("accepting", "err", err)
			}
			return
		}
		if !s.track(conn) {
			conn.Close()
			return
		}
		s.wg.Go(func() {
			defer s.untrack(conn)
			s.serveConn(conn)
		})
	}
}

func (s *Server) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *Server) untrack(c net.Conn) {
	c.Close()
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}
