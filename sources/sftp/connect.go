package sftp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	pkgsftp "github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// conn is the outcome of connect.
type conn struct {
	ssh  *ssh.Client
	sftp *pkgsftp.Client
	dir  string
}

// connect dials, runs the ssh handshake, starts the sftp subsystem and
// resolves Dir, all bounded by cfg.Timeout and ctx.
func connect(ctx context.Context, cfg Config, logger *slog.Logger) (*conn, error) {
	addr := net.JoinHostPort(cfg.Host, strconv.Itoa(cfg.Port))
	checker, err := newHostKeyChecker(cfg, logger)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", addr, err)
	}
	auth, err := authMethods(cfg)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", addr, err)
	}
	clientCfg := &ssh.ClientConfig{
		User:              cfg.User,
		Auth:              auth,
		HostKeyCallback:   checker.check,
		HostKeyAlgorithms: checker.algorithms(),
		Timeout:           cfg.Timeout,
	}
	d := net.Dialer{Timeout: cfg.Timeout}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", addr, err)
	}
	_ = nc.SetDeadline(time.Now().Add(cfg.Timeout))
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	c, err := handshake(nc, addr, cfg.Dir, clientCfg)
	if !stop() {
		if c != nil {
			c.sftp.Close()
			c.ssh.Close()
		}
		return nil, fmt.Errorf("connecting to %s: %w", addr, ctx.Err())
	}
	if err != nil {
		nc.Close()
		return nil, classify(addr, cfg.User, checker, err)
	}
	_ = nc.SetDeadline(time.Time{})
	return c, nil
}

func handshake(nc net.Conn, addr, dir string, clientCfg *ssh.ClientConfig) (*conn, error) {
	sc, chans, reqs, err := ssh.NewClientConn(nc, addr, clientCfg)
	if err != nil {
		return nil, err
	}
	sshClient := ssh.NewClient(sc, chans, reqs)
	sftpClient, err := pkgsftp.NewClient(sshClient, pkgsftp.UseConcurrentReads(true))
	if err != nil {
		sshClient.Close()
		return nil, fmt.Errorf("starting sftp subsystem: %w", err)
	}
	abs, err := sftpClient.RealPath(dir)
	if err != nil {
		sftpClient.Close()
		sshClient.Close()
		return nil, fmt.Errorf("resolving Dir %q: %w", dir, err)
	}
	if err := checkDir(sftpClient, abs); err != nil {
		sftpClient.Close()
		sshClient.Close()
		return nil, err
	}
	return &conn{ssh: sshClient, sftp: sftpClient, dir: abs}, nil
}

// checkDir fails unless abs is a directory on the server.
func checkDir(c *pkgsftp.Client, abs string) error {
	fi, err := c.Stat(abs)
	if err != nil {
		return fmt.Errorf("checking Dir %q: %w", abs, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("checking Dir %q: not a directory", abs)
	}
	return nil
}

// classify turns a handshake failure into an error wrapping the matching
// sentinel. x/crypto/ssh has no typed client auth error, so an auth failure
// is recognised by its message after the host key was verified.
func classify(addr, user string, checker *hostKeyChecker, err error) error {
	verified, hkErr := checker.verdict()
	switch {
	case hkErr != nil:
		return fmt.Errorf("connecting to %s: %w", addr, hkErr)
	case verified && strings.Contains(err.Error(), "unable to authenticate"):
		return fmt.Errorf("connecting to %s as %q: %w: %v", addr, user, ErrAuth, err)
	default:
		return fmt.Errorf("connecting to %s: %w", addr, err)
	}
}

// authMethods builds public-key, password and keyboard-interactive methods
// from the resolved secrets.
func authMethods(cfg Config) ([]ssh.AuthMethod, error) {
	var methods []ssh.AuthMethod
	if len(cfg.PrivateKey) > 0 {
		signer, err := parseKey(cfg.PrivateKey, cfg.Passphrase)
		if err != nil {
			return nil, err
		}
		methods = append(methods, ssh.PublicKeys(signer))
	}
	if cfg.Password != "" {
		password := cfg.Password
		methods = append(methods, ssh.Password(password),
			ssh.KeyboardInteractive(func(_, _ string, questions []string, echos []bool) ([]string, error) {
				switch {
				case len(questions) == 0:
					return nil, nil
				case len(questions) == 1 && !echos[0]:
					return []string{password}, nil
				default:
					return nil, errors.New("unsupported keyboard-interactive prompt")
				}
			}))
	}
	return methods, nil
}

func parseKey(pem, passphrase []byte) (ssh.Signer, error) {
	if len(passphrase) > 0 {
		s, err := ssh.ParsePrivateKeyWithPassphrase(pem, passphrase)
		if err != nil {
			return nil, fmt.Errorf("parsing PrivateKey with Passphrase: %w", err)
		}
		return s, nil
	}
	s, err := ssh.ParsePrivateKey(pem)
	var missing *ssh.PassphraseMissingError
	if errors.As(err, &missing) {
		return nil, errors.New("parsing PrivateKey: the key is encrypted and Passphrase is empty")
	}
	if err != nil {
		return nil, fmt.Errorf("parsing PrivateKey: %w", err)
	}
	return s, nil
}
