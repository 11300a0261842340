package pipeline

// Progress receives progress of long work: bytes fetched, records parsed.
// Implementations throttle their own output; calls are cheap.
type Progress interface {
	// Update reports that n units of work (unit "B" for bytes, "records")
	// are done so far on what, e.g. a file name.
	Update(what string, n int64, unit string)
	// Done ends the current item.
	Done()
}

// NoProgress discards progress reports.
type NoProgress struct{}

// Update does nothing.
func (NoProgress) Update(string, int64, string) {}

// Done does nothing.
func (NoProgress) Done() {}
