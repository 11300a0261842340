package main

import "slices"

// median reduces repeated runs of one measurement to one result: the run
// of median time, with the largest peak RSS of all runs (a ceiling must
// hold in every run) and the spread of the times in its extras. A failed
// run is the result.
func median(runs []result) result {
	for _, r := range runs {
		if r.Err != "" {
			return r
		}
	}
	if len(runs) == 1 {
		return runs[0]
	}
	sorted := slices.Clone(runs)
	slices.SortFunc(sorted, func(a, b result) int {
		switch {
		case a.Seconds < b.Seconds:
			return -1
		case a.Seconds > b.Seconds:
			return 1
		}
		return 0
	})
	m := sorted[(len(sorted)-1)/2]
	extra := map[string]float64{}
	for k, v := range m.Extra {
		extra[k] = v
	}
	for _, r := range runs {
		m.RSSKiB = max(m.RSSKiB, r.RSSKiB)
	}
	extra["runs"] = float64(len(runs))
	extra["seconds_min"] = sorted[0].Seconds
	extra["seconds_max"] = sorted[len(sorted)-1].Seconds
	m.Extra = extra
	return m
}
