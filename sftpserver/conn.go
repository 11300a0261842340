package sftpserver

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"time"

	pkgsftp "github.com/pkg/sftp"
	"golang.org/x/crypto/ssh"
)

// handshakeTimeout bounds how long a client may take to authenticate.
const handshakeTimeout = 30 * time.Second

// serveConn runs the ssh handshake on c and serves its channels until the
// connection ends.
func (s *Server) serveConn(c net.Conn) {
	remote := c.RemoteAddr().String()
	_ = c.SetDeadline(time.Now().Add(handshakeTimeout))
	sconn, chans, reqs, err := ssh.NewServerConn(c, s.config)
	if err != nil {
		s.logger.Debug("handshake failed", "remote", remote, "err", err)
		return
	}
	_ = c.SetDeadline(time.Time{})
	defer sconn.Close()
	s.logger.Debug("connected", "remote", remote, "user", sconn.User())
	s.wg.Go(func() { ssh.DiscardRequests(reqs) })
	for nc := range chans {
		if nc.ChannelType() != "session" {
			_ = nc.Reject(ssh.UnknownChannelType, "only session channels are accepted")
			continue
		}
		ch, creqs, err := nc.Accept()
		if err != nil {
			s.logger.Debug("accepting channel", "remote", remote, "err", err)
			continue
		}
		s.wg.Go(func() { s.serveSession(ch, creqs) })
	}
	s.logger.Debug("disconnected", "remote", remote)
}

// serveSession accepts one "sftp" subsystem request on ch and refuses
// everything else (shells, exec, pty, env).
func (s *Server) serveSession(ch ssh.Channel, reqs <-chan *ssh.Request) {
	defer ch.Close()
	started := false
	for req := range reqs {
		ok := !started && req.Type == "subsystem" && subsystemName(req.Payload) == "sftp"
		if req.WantReply {
			_ = req.Reply(ok, nil)
		}
		if !ok {
			continue
		}
		started = true
		s.wg.Go(func() {
			rs := pkgsftp.NewRequestServer(ch, s.fs.handlers())
			if err := rs.Serve(); err != nil && !errors.Is(err, io.EOF) {
				s.logger.Debug("serving sftp", "err", err)
			}
			_ = rs.Close()
		})
	}
}

// subsystemName decodes the ssh string payload of a subsystem request.
func subsystemName(payload []byte) string {
	if len(payload) < 4 {
		return ""
	}
	n := binary.BigEndian.Uint32(payload)
	if uint64(n) > uint64(len(payload)-4) {
		return ""
	}
	return string(payload[4 : 4+n])
}
