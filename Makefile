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
# input under testdata/fuzz for a regression test.
FUZZTIME ?= 10s
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "fuzz $$pkg $$t"; \
	    $(GO) test -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) $$pkg; \
	  done; \
	done

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

clean:
	rm -rf bin demo-data
