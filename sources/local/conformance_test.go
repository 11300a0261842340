package local_test

import (
	"os"
	"path/filepath"
	"testing"

	"minisync/pipeline"
	"minisync/sources/local"
	"minisync/sources/sourcetest"
)

func TestConformance(t *testing.T) {
	sourcetest.Run(t, sourcetest.Harness{
		New: func(t *testing.T, files map[string][]byte) (pipeline.Source, sourcetest.Fixture) {
			dir := t.TempDir()
			fx := sourcetest.Fixture{
				Write: func(t *testing.T, name string, data []byte) {
					t.Helper()
					if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
						t.Fatal(err)
					}
				},
				Remove: func(t *testing.T, name string) {
					t.Helper()
					if err := os.Remove(filepath.Join(dir, name)); err != nil {
						t.Fatal(err)
					}
				},
			}
			for name, data := range files {
				fx.Write(t, name, data)
			}
			src, err := local.New(local.Config{Dir: dir})
			if err != nil {
				t.Fatal(err)
			}
			return src, fx
		},
	})
}
