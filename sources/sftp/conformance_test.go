package sftp_test

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/ssh/knownhosts"

	"minisync/pipeline"
	"minisync/sftpserver"
	"minisync/sources/sftp"
	"minisync/sources/sourcetest"
)

func TestConformance(t *testing.T) {
	sourcetest.Run(t, sourcetest.Harness{
		New: func(t *testing.T, files map[string][]byte) (pipeline.Source, sourcetest.Fixture) {
			f := startServer(t, sftpserver.Options{})
			fx := sourcetest.Fixture{
				Write: func(t *testing.T, name string, data []byte) { f.write(t, name, data) },
				Remove: func(t *testing.T, name string) {
					t.Helper()
					if err := os.Remove(filepath.Join(f.root, name)); err != nil {
						t.Fatal(err)
					}
				},
			}
			for name, data := range files {
				fx.Write(t, name, data)
			}
			src, err := sftp.New(t.Context(), f.config(), nil)
			if err != nil {
				t.Fatal(err)
			}
			return src, fx
		},
		BadCredentials: func(t *testing.T) error {
			f := startServer(t, sftpserver.Options{})
			cfg := f.config()
			cfg.Password = "wrong-Jelszó"
			return newAndList(t, cfg)
		},
		AuthErr: sftp.ErrAuth,
		WrongIdentity: func(t *testing.T) error {
			f := startServer(t, sftpserver.Options{})
			other, _ := newEd25519Signer(t)
			writeFile(t, f.knownHosts, knownhosts.Line([]string{f.srv.Addr()}, other.PublicKey())+"\n")
			return newAndList(t, f.config())
		},
		IdentityErr: sftp.ErrHostKeyMismatch,
	})
}

// newAndList returns the first error of connecting and listing.
func newAndList(t *testing.T, cfg sftp.Config) error {
	t.Helper()
	src, err := sftp.New(t.Context(), cfg, nil)
	if err != nil {
		return err
	}
	defer src.Close()
	_, err = src.List(t.Context())
	return err
}
