// Package sourceutil holds the config checks and listing rules shared by the
// folder-like sources (local, sftp): the Glob with up to MaxGlobDirs folder
// levels, the AfterSuccess action, and how files found below the folder are
// named and ordered.
package sourceutil

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"minisync/pipeline"
)

// MaxGlobDirs bounds how many directory parts a Glob may have.
const MaxGlobDirs = 3

// SplitGlob splits glob into its folder levels and checks each part: there
// are at most MaxGlobDirs directory parts, none is empty, ".", ".." or "**",
// and each is a valid path.Match pattern.
func SplitGlob(glob string) ([]string, error) {
	parts := strings.Split(glob, "/")
	if len(parts)-1 > MaxGlobDirs {
		return nil, fmt.Errorf("more than %d directory parts", MaxGlobDirs)
	}
	for _, p := range parts {
		switch p {
		case "":
			return nil, errors.New("empty path part (leading, trailing or double slash)")
		case ".", "..", "**":
			return nil, fmt.Errorf("path part %q is not allowed", p)
		}
		if _, err := path.Match(p, ""); err != nil {
			return nil, err
		}
	}
	return parts, nil
}

// ParseAfterSuccess splits an AfterSuccess value into its action ("",
// "archive" or "delete") and, for "archive:<dir>", the archive folder.
func ParseAfterSuccess(v string) (action, dir string, err error) {
	switch {
	case v == "" || v == "delete":
		return v, "", nil
	case strings.HasPrefix(v, "archive:"):
		dir = strings.TrimPrefix(v, "archive:")
		if dir == "" {
			return "", "", errors.New(`"archive:" needs a folder, e.g. "archive:done"`)
		}
		return "archive", dir, nil
	default:
		return "", "", errors.New(`want "", "archive:<dir>" or "delete"`)
	}
}

// Descend reports whether a listing enters the folder name for the glob
// part pattern (which name matches): a hidden folder only when the pattern
// starts with a dot itself.
func Descend(pattern, name string) bool {
	return !strings.HasPrefix(name, ".") || strings.HasPrefix(pattern, ".")
}

// FileName is the Name of the file base found in the folder rel below the
// source folder ("" for the folder itself): base, or rel with "/" turned
// into "_", then "_" and base.
func FileName(rel, base string) string {
	if rel == "" {
		return base
	}
	return strings.ReplaceAll(rel, "/", "_") + "_" + base
}

// SortByName sorts files by Name; two files with the same Name are an error.
func SortByName(files []pipeline.RemoteFile) error {
	slices.SortFunc(files, func(a, b pipeline.RemoteFile) int { return strings.Compare(a.Name, b.Name) })
	for i := 1; i < len(files); i++ {
		if files[i].Name == files[i-1].Name {
			return fmt.Errorf("listing: %q and %q both map to the name %q", files[i-1].Path, files[i].Path, files[i].Name)
		}
	}
	return nil
}
