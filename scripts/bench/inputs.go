package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"minisync/fixtures/gen"
)

// inputs are the generated files, by role; the children find them by the
// same names from the same options.
type inputs struct {
	CSVUTF8, CSV1250     string
	ItemsDay1, ItemsDay2 string
}

// manifest records how each input in --dir was generated, so that a file is
// reused only when its parameters (and size) match.
type manifest map[string]struct {
	Params string `json:"params"`
	Size   int64  `json:"size"`
}

func manifestPath(dir string) string { return filepath.Join(dir, "manifest.json") }

func readManifest(dir string) manifest {
	m := manifest{}
	if b, err := os.ReadFile(manifestPath(dir)); err == nil {
		json.Unmarshal(b, &m)
	}
	return m
}

// xmlOrders finds the order count whose day-1 UNAS export is about mib MiB:
// the bytes per order of a 4 000-order sample (about 4.5 KB) scale up.
func xmlOrders(mib int) (int, error) {
	const sample = 4000
	st, err := gen.WriteUNAS(io.Discard, gen.UNASOptions{Orders: sample, Seed: 1, Day: 1})
	if err != nil {
		return 0, err
	}
	perOrder := float64(st.Bytes) / sample
	return max(1, int(math.Round(float64(mib)*(1<<20)/perOrder))), nil
}

func inputPaths(o opts) inputs {
	return inputs{
		CSVUTF8:   filepath.Join(o.Dir, fmt.Sprintf("invoices-utf8-%d.csv", o.CSVRows)),
		CSV1250:   filepath.Join(o.Dir, fmt.Sprintf("invoices-cp1250-%d.csv", o.CSVRows)),
		ItemsDay1: filepath.Join(o.Dir, fmt.Sprintf("items-%d-day1.csv", o.DiffKeys)),
		ItemsDay2: filepath.Join(o.Dir, fmt.Sprintf("items-%d-day2.csv", o.DiffKeys)),
	}
}

// xmlPath is the UNAS export of about mib MiB (its order count computed).
func xmlPath(o opts) (string, int, error) {
	n, err := xmlOrders(o.XMLMB)
	if err != nil {
		return "", 0, err
	}
	return filepath.Join(o.Dir, fmt.Sprintf("unas-orders-%d-day1.xml", n)), n, nil
}

// prepareInputs generates the inputs of the chosen measurements that are
// not already in --dir with the same parameters.
func prepareInputs(o opts, only map[string]bool) error {
	in := inputPaths(o)
	m := readManifest(o.Dir)
	ensure := func(path, params string, write func(w io.Writer) error) (int64, error) {
		name := filepath.Base(path)
		if e, ok := m[name]; ok && e.Params == params {
			if fi, err := os.Stat(path); err == nil && fi.Size() == e.Size {
				fmt.Fprintf(os.Stderr, "bench: reusing %s (%.1f MB)\n", path, mb(fi.Size()))
				return fi.Size(), nil
			}
		}
		fmt.Fprintf(os.Stderr, "bench: generating %s (%s) …\n", path, params)
		f, err := os.Create(path)
		if err != nil {
			return 0, err
		}
		bw := bufio.NewWriterSize(f, 1<<20)
		err = write(bw)
		if err == nil {
			err = bw.Flush()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(path)
			return 0, err
		}
		fi, err := os.Stat(path)
		if err != nil {
			return 0, err
		}
		m[name] = struct {
			Params string `json:"params"`
			Size   int64  `json:"size"`
		}{params, fi.Size()}
		b, _ := json.MarshalIndent(m, "", "  ")
		if err := os.WriteFile(manifestPath(o.Dir), b, 0o644); err != nil {
			return 0, err
		}
		return fi.Size(), nil
	}
	if only["xml"] {
		path, orders, err := xmlPath(o)
		if err != nil {
			return err
		}
		uo := gen.UNASOptions{Orders: orders, Seed: 1, Day: 1}
		if _, err = ensure(path, fmt.Sprintf("unas orders=%d seed=1 day=1", uo.Orders), func(w io.Writer) error {
			_, err := gen.WriteUNAS(w, uo)
			return err
		}); err != nil {
			return err
		}
	}
	if only["csv"] {
		for _, c := range []struct{ path, enc string }{{in.CSVUTF8, gen.EncodingUTF8}, {in.CSV1250, gen.EncodingWindows1250}} {
			co := gen.InvoiceCSVOptions{Rows: o.CSVRows, Seed: 1, Day: 1, Encoding: c.enc}
			if _, err := ensure(c.path, fmt.Sprintf("invoices rows=%d seed=1 day=1 encoding=%s", co.Rows, co.Encoding), func(w io.Writer) error {
				_, err := gen.WriteInvoiceCSV(w, co)
				return err
			}); err != nil {
				return err
			}
		}
	}
	if only["diff"] {
		for day, path := range map[int]string{1: in.ItemsDay1, 2: in.ItemsDay2} {
			if _, err := ensure(path, fmt.Sprintf("items keys=%d day=%d changed=0.01", o.DiffKeys, day), func(w io.Writer) error {
				return writeItems(w, o.DiffKeys, day)
			}); err != nil {
				return err
			}
		}
	}
	return nil
}

// changedEvery: day 2 of the items changes one key in 100 (1 %).
const changedEvery = 100

// writeItems writes the synthetic single-entity CSV of the diff
// measurement: keys 1..n, and on day 2 every 100th item has a new status
// and price.
func writeItems(w io.Writer, n, day int) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString("id;name;sku;price;status\n")
	statuses := []string{"active", "paused", "archived"}
	buf := make([]byte, 0, 128)
	for i := 1; i <= n; i++ {
		price := 100 + (i*7919)%100000
		status := statuses[i%3]
		if day == 2 && i%changedEvery == 0 {
			price++
			status = "changed"
		}
		buf = buf[:0]
		buf = strconv.AppendInt(buf, int64(i), 10)
		buf = append(buf, ";Item number "...)
		buf = strconv.AppendInt(buf, int64(i), 10)
		buf = append(buf, ";SKU-"...)
		buf = strconv.AppendInt(buf, int64(i*31%1000003), 36)
		buf = append(buf, ';')
		buf = strconv.AppendInt(buf, int64(price), 10)
		buf = append(buf, ';')
		buf = append(buf, status...)
		buf = append(buf, '\n')
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	return bw.Flush()
}
