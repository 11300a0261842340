// Package pipeline holds minisync's domain types and the small interfaces
// the stages talk through: a Source lists and opens export files, a Format
// streams Records out of one file, a mapping turns each Record into entity
// Rows or Rejects, and the staging store diffs Rows into Changes.
//
// The package imports no driver; sources, formats and the store live in
// their own packages and are wired together in cmd/minisync.
package pipeline
