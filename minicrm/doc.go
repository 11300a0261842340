// Package minicrm is minisync's client for the MiniCRM HTTP API: R3 contacts,
// projects, schemas and categories, /Api/Order documents and the XML sync
// feed, as fixed by PROTOCOL.md in this directory.
//
// The client paces each rate-limited family of endpoints, retries what is
// safe to retry (429 always; 5xx and transport errors only for idempotent
// requests) and reports a create whose answer was lost as ErrOutcomeUnknown,
// so the caller can look the record up instead of creating it twice.
package minicrm
