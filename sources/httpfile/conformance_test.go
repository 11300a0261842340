package httpfile_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"maps"
	"math/big"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"minisync/pipeline"
	"minisync/sources/httpfile"
	"minisync/sources/sourcetest"
)

func TestConformance(t *testing.T) {
	sourcetest.Run(t, sourcetest.Harness{
		New: func(t *testing.T, files map[string][]byte) (pipeline.Source, sourcetest.Fixture) {
			s := startExportServer(t, files)
			src, err := httpfile.New(s.config(slices.Collect(maps.Keys(files))...))
			if err != nil {
				t.Fatal(err)
			}
			return src, sourcetest.Fixture{
				Write:  func(_ *testing.T, name string, data []byte) { s.write(name, data) },
				Remove: func(_ *testing.T, name string) { s.remove(name) },
			}
		},
		SnapshotOnList: true,
		BadCredentials: func(t *testing.T) error {
			s := startExportServer(t, map[string][]byte{"a.xml": []byte("a")})
			cfg := s.config("a.xml")
			cfg.BearerToken = "wrong"
			return newAndList(t, cfg)
		},
		AuthErr: httpfile.ErrAuth,
		WrongIdentity: func(t *testing.T) error {
			// The client trusts this server's certificate, issued for
			// another name than the 127.0.0.1 it is reached at.
			srv, pool := otherNameServer(t)
			cfg := httpfile.Config{URLs: []string{srv.URL + "/exports/a.xml"},
				HTTPClient: &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}}
			return newAndList(t, cfg)
		},
		IdentityErr: httpfile.ErrCertificate,
	})
}

func newAndList(t *testing.T, cfg httpfile.Config) error {
	t.Helper()
	src, err := httpfile.New(cfg)
	if err != nil {
		return err
	}
	defer src.Close()
	_, err = src.List(t.Context())
	return err
}

// otherNameServer starts a TLS server whose self-signed certificate names
// only other.invalid, and returns a pool trusting that certificate.
func otherNameServer(t *testing.T) (*httptest.Server, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "other.invalid"},
		DNSNames:              []string{"other.invalid"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:                  true,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("must not be fetched"))
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return srv, pool
}
