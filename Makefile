# minisync — the README's two commands are `make demo` and `make test`.
GO ?= go
BIN := bin/minisync

.PHONY: all build demo test vet fmt-check fuzz bench clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/minisync

## demo: two nights of a UNAS shop end to end on the embedded default
demo: build
	./$(BIN) demo --dir demo-data

## test: vet, format check, the whole suite, and a short run of every fuzz test
test: vet fmt-check
	$(GO) test -count=1 ./...
	$(MAKE) fuzz

vet:
	$(GO) vet ./...

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

# Each fuzz target runs briefly; a finding fails the build and leaves its
# input under testdata/fuzz for a regression test. The budget is a count of
# inputs, not a duration: Go 1.26's fuzzing coordinator can report its own
# -fuzztime deadline as "context deadline exceeded", failing a target that
# found nothing (golang/go#75804, fixed in Go 1.27). Go minimizes every new
# interesting input for up to a minute by default, which left a short run
# minimizing one input for most of its time; 2 s keeps it fuzzing.
FUZZTIME ?= 100000x
FUZZMINIMIZETIME ?= 2s
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "fuzz $$pkg $$t"; \
	    $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) -fuzzminimizetime $(FUZZMINIMIZETIME) $$pkg; \
	  done; \
	done

## bench: measures the stages on full-size generated inputs (1 GiB UNAS XML,
## 1 M-row ERP CSV, diff of 1 M keys, load of 10 000 changes against the
## simulator) and prints a table with the targets beside the figures. It
## takes several minutes (inputs are generated once into /tmp/minisync-bench
## and reused). Smaller: make bench BENCH_FLAGS='--xml-mb 20 --csv-rows 50000
## --diff-keys 100000 --load-changes 1000'; see go run ./scripts/bench -h.
BENCH_FLAGS ?=
bench:
	$(GO) run ./scripts/bench $(BENCH_FLAGS)

## bench-go: the Go benchmarks of the packages
bench-go:
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf bin demo-data
