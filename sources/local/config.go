package local

import (
	"fmt"
	"os"
	"path"
)

// Config configures a local folder source.
type Config struct {
	// Dir is the folder holding the export files.
	Dir string
	// Glob is a path.Match pattern on file names; empty means "*".
	Glob string
}

// withDefaults returns c with empty fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.Glob == "" {
		c.Glob = "*"
	}
	return c
}

// Validate reports the first invalid field, naming it and its value.
func (c Config) Validate() error {
	c = c.withDefaults()
	if c.Dir == "" {
		return fmt.Errorf("validating local source config: Dir is empty")
	}
	fi, err := os.Stat(c.Dir)
	if err != nil {
		return fmt.Errorf("validating local source config: Dir %q: %w", c.Dir, err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("validating local source config: Dir %q is not a directory", c.Dir)
	}
	if _, err := path.Match(c.Glob, ""); err != nil {
		return fmt.Errorf("validating local source config: Glob %q: %w", c.Glob, err)
	}
	return nil
}
