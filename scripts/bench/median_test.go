package main

import "testing"

func TestMedianTakesTheMiddleTimeAndTheLargestPeak(t *testing.T) {
	runs := []result{
		{Seconds: 3, RSSKiB: 100, Extra: map[string]float64{"x": 3}},
		{Seconds: 1, RSSKiB: 300, Extra: map[string]float64{"x": 1}},
		{Seconds: 2, RSSKiB: 200, Extra: map[string]float64{"x": 2}},
	}
	m := median(runs)
	if m.Seconds != 2 || m.Extra["x"] != 2 {
		t.Errorf("median run: %v s, x=%v; want the 2 s run", m.Seconds, m.Extra["x"])
	}
	if m.RSSKiB != 300 {
		t.Errorf("peak %d KiB, want the largest, 300", m.RSSKiB)
	}
	if m.Extra["runs"] != 3 || m.Extra["seconds_min"] != 1 || m.Extra["seconds_max"] != 3 {
		t.Errorf("extras %v", m.Extra)
	}
	if runs[2].Extra["runs"] != 0 {
		t.Error("median changed the extras of a run it was given")
	}
	even := median(runs[:2]) // 3 s and 1 s: the faster of the two middle runs
	if even.Seconds != 1 {
		t.Errorf("median of two: %v s, want 1", even.Seconds)
	}
	failed := median([]result{{Seconds: 1}, {Err: "boom"}})
	if failed.Err != "boom" {
		t.Errorf("a failed run is the result, got %+v", failed)
	}
}
