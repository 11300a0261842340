package sftp

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

var (
	// ErrUnknownHost means the server's host is not in the known_hosts file.
	ErrUnknownHost = errors.New("unknown ssh host")
	// ErrHostKeyMismatch means the server offered a key other than the one
	// known_hosts holds for it: the key changed, or someone is in between.
	ErrHostKeyMismatch = errors.New("ssh host key mismatch")
	// ErrAuth means the server refused every authentication method offered.
	ErrAuth = errors.New("ssh authentication failed")
)

// hostKeyChecker verifies host keys against a known_hosts file and remembers
// its verdict so the handshake error can be classified.
type hostKeyChecker struct {
	file   string
	host   string
	port   int
	db     ssh.HostKeyCallback
	logger *slog.Logger

	mu       sync.Mutex
	verified bool
	err      error
}

func newHostKeyChecker(cfg Config, logger *slog.Logger) (*hostKeyChecker, error) {
	db, err := knownhosts.New(cfg.KnownHostsFile)
	if err != nil {
		return nil, fmt.Errorf("reading KnownHostsFile %q: %w", cfg.KnownHostsFile, err)
	}
	return &hostKeyChecker{file: cfg.KnownHostsFile, host: cfg.Host, port: cfg.Port, db: db, logger: logger}, nil
}

// check is the ssh.HostKeyCallback.
func (h *hostKeyChecker) check(addr string, remote net.Addr, key ssh.PublicKey) error {
	err := h.db(addr, remote, key)
	if err != nil {
		err = h.explain(addr, key, err)
	}
	h.mu.Lock()
	h.verified, h.err = err == nil, err
	h.mu.Unlock()
	return err
}

// verdict returns whether the host key was verified and the refusal, if any.
func (h *hostKeyChecker) verdict() (bool, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.verified, h.err
}

func (h *hostKeyChecker) explain(addr string, key ssh.PublicKey, err error) error {
	fp := ssh.FingerprintSHA256(key)
	var keyErr *knownhosts.KeyError
	if !errors.As(err, &keyErr) {
		return fmt.Errorf("checking host key for %s against %s: %w", addr, h.file, err)
	}
	if len(keyErr.Want) == 0 {
		h.logger.Warn("refusing unknown ssh host", "addr", addr, "key_type", key.Type(), "fingerprint", fp, "known_hosts", h.file)
		return fmt.Errorf("%w: host %s offered %s key %s, which is not in %s; "+
			"check the fingerprint out of band, then add the host with `ssh-keyscan -p %d %s >> %s`",
			ErrUnknownHost, addr, key.Type(), fp, h.file, h.port, h.host, h.file)
	}
	var known []string
	for _, k := range keyErr.Want {
		known = append(known, fmt.Sprintf("%s %s (%s:%d)", k.Key.Type(), ssh.FingerprintSHA256(k.Key), k.Filename, k.Line))
	}
	h.logger.Error("SSH HOST KEY HAS CHANGED, refusing to connect", "addr", addr,
		"key_type", key.Type(), "fingerprint", fp, "known", strings.Join(known, "; "))
	return fmt.Errorf("%w: WARNING: host key for %s has changed: the server offered %s key %s but %s expects %s; "+
		"this is a possible man-in-the-middle attack; do not connect until the new key is verified out of band, "+
		"then replace the old line in %s",
		ErrHostKeyMismatch, addr, key.Type(), fp, h.file, strings.Join(known, ", "), h.file)
}

// algorithms returns the host key algorithms to ask the server for: those of
// the keys known_hosts holds for addr, so a server with several host keys
// negotiates the one we know. It returns nil (library defaults) when the
// host is unknown, so the refusal names whatever key the server prefers.
func (h *hostKeyChecker) algorithms() []string {
	addr := net.JoinHostPort(h.host, strconv.Itoa(h.port))
	// Probe with a key no file holds: the KeyError lists the known keys.
	probe, err := ssh.NewPublicKey(ed25519.PublicKey(make([]byte, ed25519.PublicKeySize)))
	if err != nil {
		return nil
	}
	var keyErr *knownhosts.KeyError
	if !errors.As(h.db(addr, &net.TCPAddr{IP: net.IPv4zero}, probe), &keyErr) {
		return nil
	}
	var algos []string
	seen := make(map[string]bool)
	for _, k := range keyErr.Want {
		for _, a := range algorithmsForKeyType(k.Key.Type()) {
			if !seen[a] {
				seen[a] = true
				algos = append(algos, a)
			}
		}
	}
	return algos
}

// algorithmsForKeyType maps a known_hosts key type to signature algorithms.
// RSA keys are asked for with SHA-2 signatures only; SHA-1 "ssh-rsa" is
// left out as insecure.
func algorithmsForKeyType(typ string) []string {
	if typ == ssh.KeyAlgoRSA {
		return []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256}
	}
	return []string{typ}
}
