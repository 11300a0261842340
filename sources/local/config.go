package local

import (
	"fmt"
	"os"

	"minisync/sources/sourceutil"
)

// Config configures a local folder source.
type Config struct {
	// Dir is the folder holding the export files.
	Dir string
	// Glob is a path.Match pattern on file names; empty means "*". It may
	// have up to three directory parts below Dir ("2026-*/orders-*.xml",
	// "*/*.xml"), each matched against one folder level; a directory part
	// matches hidden folders only when it starts with a dot itself. With
	// directory parts, a file's Name is its folder path below Dir with "/"
	// turned into "_", then "_" and the base name, so equal base names in
	// different folders do not collide in the archive.
	Glob string
	// AfterSuccess says what Finish does with the fetched files once they
	// are staged: "" leaves them (the default), "archive:<dir>" moves them
	// into the folder <dir> (relative to Dir unless absolute; created when
	// missing), "delete" removes them.
	AfterSuccess string
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
	if _, err := sourceutil.SplitGlob(c.Glob); err != nil {
		return fmt.Errorf("validating local source config: Glob %q: %w", c.Glob, err)
	}
	if _, _, err := sourceutil.ParseAfterSuccess(c.AfterSuccess); err != nil {
		return fmt.Errorf("validating local source config: AfterSuccess %q: %w", c.AfterSuccess, err)
	}
	return nil
}
